/** Mastodon's date format everywhere: `YYYY-MM-DDTHH:mm:ss.SSSZ`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** `last_status_at` is a plain date, `YYYY-MM-DD`. */
export function dayDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
