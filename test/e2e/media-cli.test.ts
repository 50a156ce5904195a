/**
 * `npm run petrel -- emoji …` and `media …` on a fresh state directory, then the same state served by
 * `npm run dev`: an emoji the CLI imported is listed by the running instance and its image is served
 * from the R2 the CLI wrote to.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type DevServer, makeStateDir, startDevServer } from "./helpers/dev-server";
import { runPetrel } from "./helpers/petrel-cli";

const SLOW = { timeout: 180_000 };
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/media");

describe("petrel emoji and media (local state)", SLOW, () => {
  const stateDir = makeStateDir("petrel-media-cli-");
  const folder = path.join(stateDir, "emoji-in");
  let server: DevServer | undefined;

  afterAll(async () => {
    await server?.stop();
    if (!process.env.PETREL_E2E_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
  });

  it("imports a folder of emoji, refusing what is not an emoji image, and lists them", async () => {
    mkdirSync(folder, { recursive: true });
    copyFileSync(path.join(FIXTURES, "alpha.png"), path.join(folder, "blobcat.png"));
    copyFileSync(path.join(FIXTURES, "image.webp"), path.join(folder, "wave.webp"));
    copyFileSync(path.join(FIXTURES, "photo.jpg"), path.join(folder, "not_really.png"));
    const result = await runPetrel(stateDir, ["emoji", "import", folder, "--category", "Blobs"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Imported :blobcat: (Blobs) from blobcat.png");
    expect(result.stdout).toContain("Imported :wave: (Blobs) from wave.webp");
    expect(result.stderr).toContain("Skipped not_really.png: Validation failed: Image content type is invalid");

    const single = await runPetrel(stateDir, ["emoji", "import", path.join(FIXTURES, "animated.gif"), "--shortcode", "party"]);
    expect(single.code, single.stderr).toBe(0);
    const bad = await runPetrel(stateDir, ["emoji", "import", path.join(FIXTURES, "animated.gif"), "--shortcode", "x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Validation failed: Shortcode is invalid");

    const list = await runPetrel(stateDir, ["emoji", "list"]);
    expect(list.stdout).toMatch(/:blobcat:\s+Blobs\s+30143\s+image\/png/);
    expect(list.stdout).toContain("3 custom emoji");
  });

  it("reports usage by kind and removes nothing local", async () => {
    const usage = await runPetrel(stateDir, ["media", "usage"]);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(/custom emoji\s+3\s+\S+ KB\s+31370/);
    expect(usage.stdout).toMatch(/remote media cache\s+0\s+0 B/);
    const remove = await runPetrel(stateDir, ["media", "remove", "--days", "1"]);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toContain("Removed 0 cached remote files unused for 1 day");
    const badDays = await runPetrel(stateDir, ["media", "remove", "--days", "soon"]);
    expect(badDays.code).toBe(2);
  });

  it("the running instance lists the imported emoji and serves their images", async () => {
    server = await startDevServer({ stateDir });
    const res = await fetch(`${server.baseUrl}/api/v1/custom_emojis`);
    expect(res.status).toBe(200);
    const emoji = (await res.json()) as Array<{ shortcode: string; url: string; category: string | null }>;
    expect(emoji.map((e) => e.shortcode)).toEqual(["blobcat", "party", "wave"]);
    const blobcat = emoji.find((e) => e.shortcode === "blobcat");
    const image = await fetch(blobcat?.url ?? "");
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await image.arrayBuffer()).equals(readFileSync(path.join(FIXTURES, "alpha.png")))).toBe(true);
  });
});
