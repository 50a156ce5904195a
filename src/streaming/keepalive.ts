/**
 * The shards' keep-alive sweep: a socket whose token was revoked since it connected is closed with
 * 1008, as Mastodon's streaming server does when it next checks the token.
 */
export async function closeRevoked(
  db: D1Database,
  sockets: readonly WebSocket[],
  tokenOf: (ws: WebSocket) => number | null,
): Promise<void> {
  const tokenIds = [...new Set(sockets.flatMap((ws) => tokenOf(ws) ?? []))];
  if (tokenIds.length === 0) return;
  const live = await db
    .prepare("SELECT id FROM oauth_access_tokens WHERE id IN (SELECT value FROM json_each(?)) AND revoked_at IS NULL")
    .bind(JSON.stringify(tokenIds))
    .all<{ id: number }>();
  const ok = new Set(live.results.map((r) => r.id));
  for (const ws of sockets) {
    const k = tokenOf(ws);
    if (k !== null && !ok.has(k)) ws.close(1008, "Token revoked");
  }
}
