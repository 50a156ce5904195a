/**
 * FANOUT for link previews (src/services/preview-cards.ts): after a status is created or edited,
 * `requestCard` enqueues a `status.card` message when the status has a link to preview, and the
 * `status.card` message runs `statusCard`, which fetches the page off the request path.
 */
import { loadConfig } from "../config";
import { envDb } from "../db/client";
import type { Bindings } from "../env";
import { dropStatusCard, requestStatusCard, syncStatusCard } from "../services/preview-cards";

/** Never throws: a missing preview must not make the status's own fanout retry. */
export async function requestCard(env: Bindings, statusId: number): Promise<void> {
  try {
    await requestStatusCard(env.FANOUT, envDb(env), loadConfig(env), statusId);
  } catch (err) {
    console.error(`cards: could not request the card of status ${statusId}`, err);
  }
}

export async function statusCard(env: Bindings, statusId: number): Promise<void> {
  await syncStatusCard(envDb(env), loadConfig(env), statusId, (input, init) => fetch(input, init));
}

/** A deleted status keeps no link to its card (the card itself stays, shared by URL). */
export async function deletedCard(env: Bindings, statusId: number): Promise<void> {
  await dropStatusCard(envDb(env), statusId);
}
