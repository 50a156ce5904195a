import { createApp } from "./app";
import type { Bindings } from "./env";
import { handleQueueBatch } from "./queue/consumer";
import { runScheduled } from "./scheduled";

export { AccountHub } from "./streaming/account-hub";
export { ChannelHub } from "./streaming/channel-hub";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env): Promise<void> {
    await handleQueueBatch(batch, env);
  },
  async scheduled(controller, env, ctx): Promise<void> {
    ctx.waitUntil(runScheduled(controller.scheduledTime, env));
  },
} satisfies ExportedHandler<Bindings>;
