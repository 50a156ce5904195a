import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { createTestUser, db } from "../helpers/fixtures";
import { Browser } from "./browser";

async function chosen(userId: number): Promise<string[] | undefined> {
  const [row] = await db().select().from(users).where(eq(users.id, userId));
  return row?.settings.chosenLanguages;
}

describe("languages on public timelines", () => {
  it("saves the ticked languages, drops unknown codes, and keeps the other settings", async () => {
    const u = await createTestUser({ password: "languages password" });
    await db()
      .update(users)
      .set({ settings: { defaultPrivacy: "unlisted" } })
      .where(eq(users.id, u.user.id));
    const browser = new Browser();
    const overview = await browser.signIn(u.account.username, "languages password");
    expect(overview.html).toContain('href="/settings/languages"');
    const form = await browser.get("/settings/languages");
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="chosen_languages[]" value="fr"');

    const saved = await browser.post("/settings/languages", { "chosen_languages[]": ["fr", "de", "zz-not-one"] });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Your languages have been saved.");
    expect(saved.html).toMatch(/value="fr" checked/);
    expect(saved.html).not.toMatch(/value="en" checked/);
    expect(await chosen(u.user.id)).toEqual(["fr", "de"]);
    const [row] = await db().select().from(users).where(eq(users.id, u.user.id));
    expect(row?.settings.defaultPrivacy).toBe("unlisted");

    // Nothing ticked: every language again.
    await browser.post("/settings/languages", {});
    expect(await chosen(u.user.id)).toBeUndefined();
  });

  it("changes nothing without the form's CSRF token, and sends a signed-out browser to sign in", async () => {
    const u = await createTestUser({ password: "languages password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "languages password");
    const refused = await browser.post("/settings/languages", { "chosen_languages[]": ["fr"] }, { csrf: false });
    expect(refused.status).toBe(422);
    expect(await chosen(u.user.id)).toBeUndefined();

    const away = await new Browser().get("/settings/languages", { follow: false });
    expect(away.status).toBe(302);
    expect(away.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fsettings%2Flanguages");
  });
});
