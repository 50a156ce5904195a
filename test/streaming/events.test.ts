/**
 * Events after real API calls and the real FANOUT queue: update, delete, status.update,
 * notification, filters_changed on the user streams; list streams; each with Mastodon's wire format.
 */
import { describe, expect, it } from "vitest";
import { relate, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { connected, expectNone, payloadOf, postStatus } from "./helpers";

describe("user streams", { timeout: 30_000 }, () => {
  it("carry update, status.update and delete for a followed account's post", async () => {
    const [author, viewer] = await users(2);
    if (!author || !viewer) throw new Error("users");
    await relate(viewer, author.account.id, "follow");
    const socket = await connected("", { token: viewer.token, via: "protocol" });
    socket.subscribe("user");
    await socket.barrier();

    const id = await postStatus(author.token, { status: "streamed hello" });
    const update = await socket.waitFor((f) => f.event === "update");
    expect(update.stream).toEqual(["user"]);
    expect(typeof update.payload).toBe("string");
    const status = payloadOf(update);
    expectEntity("Status", status);
    expect(status.id).toBe(id);
    expect(status.favourited).toBe(false);
    expect(status.filtered).toEqual([]);

    const edit = await api(`/api/v1/statuses/${id}`, {
      token: author.token,
      method: "PUT",
      json: { status: "streamed, edited" },
    });
    expect(edit.status).toBe(200);
    const updated = await socket.waitFor((f) => f.event === "status.update");
    expect(updated.stream).toEqual(["user"]);
    expect(payloadOf<{ content: string; edited_at: string | null }>(updated).content).toContain("edited");

    const del = await api(`/api/v1/statuses/${id}`, { token: author.token, method: "DELETE" });
    expect(del.status).toBe(200);
    const deleted = await socket.waitFor((f) => f.event === "delete");
    expect(deleted).toEqual({ stream: ["user"], event: "delete", payload: id });
    socket.close();
  });

  it("carry status.update to an online follower of the status's hashtag, who does not follow the author", async () => {
    const [author, viewer] = await users(2);
    if (!author || !viewer) throw new Error("users");
    const tag = `edittag${Date.now()}`;
    const follow = await api(`/api/v1/tags/${tag}/follow`, { token: viewer.token, method: "POST" });
    expect(follow.status).toBe(200);
    const socket = await connected("stream=user", { token: viewer.token });

    const id = await postStatus(author.token, { status: `tagged #${tag}` });
    await socket.waitFor((f) => f.event === "update" && payloadOf<{ id: string }>(f).id === id);
    const edit = await api(`/api/v1/statuses/${id}`, { token: author.token, method: "PUT", json: { status: `edited #${tag}` } });
    expect(edit.status).toBe(200);
    const updated = await socket.waitFor((f) => f.event === "status.update");
    expect(updated.stream).toEqual(["user"]);
    expect(payloadOf<{ id: string; content: string }>(updated)).toMatchObject({ id });
    expect(payloadOf<{ content: string }>(updated).content).toContain("edited");
    socket.close();
  });

  it("carry notifications on user and user:notification, each labelled", async () => {
    const [viewer, other] = await users(2);
    if (!viewer || !other) throw new Error("users");
    const socket = await connected("stream=user:notification", { token: viewer.token });
    socket.subscribe("user");
    await socket.barrier();

    await relate(other, viewer.account.id, "follow");
    await socket.waitFor((f) => f.event === "notification" && f.stream?.[0] === "user");
    const own = await socket.waitFor((f) => f.event === "notification" && f.stream?.[0] === "user:notification");
    const follow = payloadOf<{ type: string; account: { id: string } }>(own);
    expectEntity("Notification", follow);
    expect(follow.type).toBe("follow");
    expect(follow.account.id).toBe(String(other.account.id));

    const id = await postStatus(other.token, { status: `hi @${viewer.account.username}` });
    const mention = await socket.waitFor(
      (f) => f.event === "notification" && payloadOf<{ type: string }>(f).type === "mention" && f.stream?.[0] === "user",
    );
    expect(payloadOf<{ status: { id: string } }>(mention).status.id).toBe(id);
    socket.close();
  });

  it("send filters_changed without a payload, and apply filters to updates", async () => {
    const [author, viewer] = await users(2);
    if (!author || !viewer) throw new Error("users");
    await relate(viewer, author.account.id, "follow");
    const socket = await connected("stream=user", { token: viewer.token });
    await socket.barrier();

    const warn = await api("/api/v2/filters", {
      token: viewer.token,
      json: { title: "spoilers", context: ["home"], filter_action: "warn", keywords_attributes: [{ keyword: "finale" }] },
    });
    expect(warn.status).toBe(200);
    const changed = await socket.waitFor((f) => f.event === "filters_changed");
    expect(changed).toEqual({ stream: ["user"], event: "filters_changed" });
    const hide = await api("/api/v2/filters", {
      token: viewer.token,
      json: { title: "gone", context: ["home"], filter_action: "hide", keywords_attributes: [{ keyword: "durian" }] },
    });
    expect(hide.status).toBe(200);
    await socket.waitFor((f) => f.event === "filters_changed" && socket.events("filters_changed").length >= 2);

    const hidden = await postStatus(author.token, { status: "durian season" });
    const warned = await postStatus(author.token, { status: "the finale was great" });
    const frame = await socket.waitFor((f) => f.event === "update" && payloadOf<{ id: string }>(f).id === warned);
    const filtered = payloadOf<{ filtered: Array<{ filter: { title: string }; keyword_matches: string[] }> }>(frame).filtered;
    expect(filtered.map((r) => r.filter.title)).toEqual(["spoilers"]);
    expect(filtered[0]?.keyword_matches).toEqual(["finale"]);
    await expectNone(socket, (f) => f.event === "update" && payloadOf<{ id: string }>(f).id === hidden, 500);
    socket.close();
  });

  it("stream a list only to its owner, with the list id in `stream`", async () => {
    const [author, viewer, stranger] = await users(3);
    if (!author || !viewer || !stranger) throw new Error("users");
    await relate(viewer, author.account.id, "follow");
    const created = await api("/api/v1/lists", { token: viewer.token, json: { title: "friends" } });
    const list = ((await created.json()) as { id: string }).id;
    const added = await api(`/api/v1/lists/${list}/accounts`, {
      token: viewer.token,
      json: { account_ids: [String(author.account.id)] },
    });
    expect(added.status).toBe(200);

    const intruder = await connected("", { token: stranger.token });
    intruder.subscribe("list", { list });
    await intruder.waitFor((f) => f.error === "Not authorized to stream this list");
    expect(intruder.frames).toEqual([{ error: "Not authorized to stream this list", status: 401 }]);

    const socket = await connected(`stream=list&list=${list}`, { token: viewer.token });
    await socket.barrier();
    const id = await postStatus(author.token, { status: "for the list" });
    const frame = await socket.waitFor((f) => f.event === "update");
    expect(frame.stream).toEqual(["list", list]);
    expect(payloadOf<{ id: string }>(frame).id).toBe(id);

    socket.send({ type: "unsubscribe", stream: "list", list });
    await socket.barrier();
    const after = await postStatus(author.token, { status: "not streamed" });
    await expectNone(socket, (f) => f.event === "update" && payloadOf<{ id: string }>(f).id === after);
    await expectNone(intruder, (f) => f.event !== undefined, 0);
    socket.close();
    intruder.close();
  });
});
