// A client thread of the streaming benchmark starts here: worker threads do not inherit tsx's
// loader from the main thread on Node 20, so this registers it, then loads the TypeScript module.
import { register } from "tsx/esm/api";

register();
await import("./socket-thread.ts");
