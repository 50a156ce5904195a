import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/**
 * One per local account: that account's home feed ids and its streaming sockets.
 * Declared now so the deployment shape is final; the social-core and streaming issues fill it in.
 */
export class AccountHub extends DurableObject<Bindings> {
  override async fetch(): Promise<Response> {
    return new Response("Not Implemented", { status: 501 });
  }
}
