/**
 * The shards' keep-alive sweep: a socket whose token can no longer be used since it connected (the
 * token revoked, or its user disabled or suspended by staff) is closed with 1008, as Mastodon's
 * streaming server does when it next checks the token.
 */
export async function closeRevoked(
  db: D1Database,
  sockets: readonly WebSocket[],
  tokenOf: (ws: WebSocket) => number | null,
): Promise<void> {
  const tokenIds = [...new Set(sockets.flatMap((ws) => tokenOf(ws) ?? []))];
  if (tokenIds.length === 0) return;
  const live = await db
    .prepare(
      `SELECT t.id FROM oauth_access_tokens t
       LEFT JOIN users u ON u.id = t.user_id LEFT JOIN accounts a ON a.id = u.account_id
       WHERE t.id IN (SELECT value FROM json_each(?)) AND t.revoked_at IS NULL
         AND (t.user_id IS NULL OR (u.disabled = 0 AND a.suspended_at IS NULL))`,
    )
    .bind(JSON.stringify(tokenIds))
    .all<{ id: number }>();
  const ok = new Set(live.results.map((r) => r.id));
  for (const ws of sockets) {
    const k = tokenOf(ws);
    if (k !== null && !ok.has(k)) ws.close(1008, "Token revoked");
  }
}
