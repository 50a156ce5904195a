import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";

/**
 * One per public or hashtag stream: the sockets subscribed to it.
 * Declared now so the deployment shape is final; the streaming issue fills it in.
 */
export class ChannelHub extends DurableObject<Bindings> {
  override async fetch(): Promise<Response> {
    return new Response("Not Implemented", { status: 501 });
  }
}
