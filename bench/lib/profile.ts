/**
 * CPU profiles of the Worker through wrangler's DevTools inspector: start, run something, stop, and
 * summarize self time by function (with file and line), so a benchmark can say where its time goes.
 */
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface Hotspot {
  name: string;
  selfMs: number;
  share: number;
}

async function targetUrl(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/json`);
  const targets = (await res.json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error("the inspector lists no target");
  return url;
}

/** A DevTools connection to the Worker's isolate. */
async function openInspector(port: number): Promise<WebSocket> {
  const socket = new WebSocket(await targetUrl(port));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return socket;
}

/**
 * Runs `work` under the sampling profiler and returns the top `top` entries by self time: functions,
 * or with `moduleOf` (bundle line → source module) the modules they come from.
 */
export async function profileDuring(
  port: number,
  work: () => Promise<void>,
  top = 25,
  moduleOf?: (line: number) => string,
): Promise<Hotspot[]> {
  const socket = await openInspector(port);
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 500 });
  await send("Profiler.start");
  await work();
  const { profile } = (await send("Profiler.stop")) as { profile: Profile };
  socket.close();
  return summarize(profile, top, moduleOf);
}

/** Maps a bundle's lines to the modules esbuild marks with `// path` comments. */
export function bundleModules(source: string): (line: number) => string {
  const starts: Array<[number, string]> = [];
  source.split("\n").forEach((text, i) => {
    if (/^\/\/ [\w@.-]+\//.test(text)) starts.push([i + 1, text.slice(3)]);
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [start, name] = starts[mid] as [number, string];
      if (start <= line) {
        found = name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found.replace(/^node_modules\//, "").replace(/\/dist\/.*$|\/[^/]*$/, "/");
  };
}

function summarize(profile: Profile, top: number, moduleOf?: (line: number) => string): Hotspot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const byName = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    const file = f.url.split("/").pop() ?? "";
    const name =
      moduleOf && file.startsWith("bench-entry")
        ? moduleOf(f.lineNumber + 1)
        : moduleOf
          ? f.url.split(":")[0] || f.functionName || "(native)"
          : `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    byName.set(name, (byName.get(name) ?? 0) + ms);
    total += ms;
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / total }));
}

/**
 * A full collection of the Worker's heap through the inspector (workerd takes no `--expose-gc`).
 * workerd reads inspector messages only when the isolate next runs, so `wake` is called (a request
 * to the Worker) until the answer comes. Returns how long that took.
 */
export async function collectWorkerGarbage(port: number, wake: () => Promise<void>): Promise<number> {
  const socket = await openInspector(port);
  const started = performance.now();
  let answered = false;
  socket.once("message", () => {
    answered = true;
  });
  socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
  const deadline = Date.now() + 30_000;
  while (!answered && Date.now() < deadline) {
    await wake();
    await new Promise((r) => setTimeout(r, 50));
  }
  socket.close();
  if (!answered) throw new Error("the inspector did not answer HeapProfiler.collectGarbage within 30 s");
  return performance.now() - started;
}
