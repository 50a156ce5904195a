/**
 * What a socket shard keeps between deliveries: statuses as rendered for everyone (so the events
 * that come without a rendering need no second hydration) and each online viewer's filters (loaded
 * in one D1 batch for every uncached viewer, dropped on `filters_changed` and when the viewer's last
 * socket closes). Both live in memory only; a woken shard refills them from D1.
 */
import { loadConfig } from "../config";
import { envDb } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import type { ActiveFilters } from "../services/filters";
import { hydrateStatuses } from "../services/hydrate";
import { loadFiltersBulk } from "./viewer-filters";

const STATUS_CACHE = 256;

export class ShardCache {
  private readonly statuses = new Map<number, MastodonStatus>();
  private readonly filters = new Map<number, ActiveFilters>();

  constructor(private readonly env: Bindings) {}

  /**
   * The status as rendered for everyone (no viewer); `fresh` after an edit; `given` when the FANOUT
   * consumer sent the rendering along.
   */
  async status(id: number, fresh = false, given?: MastodonStatus): Promise<MastodonStatus | undefined> {
    if (!fresh && !given) {
      const cached = this.statuses.get(id);
      if (cached) return cached;
    }
    const status =
      given ?? (await hydrateStatuses(envDb(this.env), loadConfig(this.env), null, [id], { skipVisibility: true }))[0];
    if (!status) return undefined;
    this.statuses.set(id, status);
    if (this.statuses.size > STATUS_CACHE) {
      const oldest = this.statuses.keys().next().value;
      if (oldest !== undefined) this.statuses.delete(oldest);
    }
    return status;
  }

  dropStatus(id: number): void {
    this.statuses.delete(id);
  }

  async viewerFilters(accountIds: readonly number[]): Promise<Map<number, ActiveFilters>> {
    const missing = accountIds.filter((id) => !this.filters.has(id));
    if (missing.length > 0) {
      for (const [id, f] of await loadFiltersBulk(envDb(this.env), missing, Date.now())) this.filters.set(id, f);
    }
    return this.filters;
  }

  dropFilters(accountId: number): void {
    this.filters.delete(accountId);
  }
}
