/**
 * Part of `npm run bench`; alone: `tsx bench/media/run.ts [--runs 10]`. CPU time per uploaded image for the
 * upload pipeline's image work (header check, WASM decode, downscale, blurhash, preview encode,
 * metadata strip) on a 12-megapixel JPEG and a 1-megapixel PNG.
 *
 * The same code runs twice: directly under Node (the codecs compiled from the same .wasm files), and
 * inside workerd under `wrangler dev` with the bench Worker bundled by wrangler as the app is. Node's
 * figure is its own process CPU time; workerd's is read from /proc for the workerd process around a
 * request that runs the pipeline N times, so start-up and HTTP costs are spread thin. The ratio
 * workerd/Node must stay ≤ 1.5.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { blurhashOf } from "../../src/media/blurhash";
import { Codecs, type Rgba } from "../../src/media/codecs";
import { decodeImage, encodePreview, processImage, smallVersion, strippedOriginal } from "../../src/media/image";
import type { Family } from "../../src/media/sniff";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const DATA = path.join(ROOT, "bench", ".data", "media");
const MATRIX_LIMIT = 33_177_600;
const RATIO_LIMIT = 1.5;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

function nodeCodecs(): Codecs {
  const wasm = (file: string) => new WebAssembly.Module(readFileSync(path.join(ROOT, "node_modules", "@jsquash", file)));
  return new Codecs({
    jpegDec: wasm("jpeg/codec/dec/mozjpeg_dec.wasm"),
    jpegEnc: wasm("jpeg/codec/enc/mozjpeg_enc.wasm"),
    png: wasm("png/codec/pkg/squoosh_png_bg.wasm"),
    webpDec: wasm("webp/codec/dec/webp_dec.wasm"),
    avifDec: wasm("avif/codec/dec/avif_dec.wasm"),
  });
}

/** A photo-like picture: smooth light, larger shapes and sensor-like noise (what makes JPEGs big). */
function synthetic(width: number, height: number, alpha: boolean): Rgba {
  const data = new Uint8Array(width * height * 4);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) / 65536 - 0.5;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const wave = Math.sin(u * 9 + Math.cos(v * 7) * 2) * Math.cos(v * 11 - u * 3);
      const o = (y * width + x) * 4;
      data[o] = Math.max(0, Math.min(255, 120 + 90 * wave + 60 * u + 18 * noise()));
      data[o + 1] = Math.max(0, Math.min(255, 100 + 70 * Math.sin(v * 13) + 50 * v + 18 * noise()));
      data[o + 2] = Math.max(0, Math.min(255, 90 + 80 * Math.cos(u * 5 + v * 5) + 18 * noise()));
      data[o + 3] = alpha ? Math.round(255 * (0.5 + 0.5 * Math.sin(u * 6))) : 255;
    }
  }
  return { data, width, height };
}

async function inputs(codecs: Codecs): Promise<Array<{ name: string; family: Family; bytes: Uint8Array }>> {
  mkdirSync(DATA, { recursive: true });
  const jpegPath = path.join(DATA, "photo-12mp.jpg");
  const pngPath = path.join(DATA, "graphic-1mp.png");
  if (!existsSync(jpegPath)) writeFileSync(jpegPath, await codecs.encodeJpeg(synthetic(4000, 3000, false), 90));
  if (!existsSync(pngPath)) writeFileSync(pngPath, codecs.encodePng(synthetic(1000, 1000, true)));
  return [
    { name: "12 MP JPEG (4000×3000)", family: "jpeg", bytes: new Uint8Array(readFileSync(jpegPath)) },
    { name: "1 MP PNG (1000×1000, alpha)", family: "png", bytes: new Uint8Array(readFileSync(pngPath)) },
  ];
}

const cpuMs = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function measureNode(codecs: Codecs, bytes: Uint8Array, family: Family, runs: number) {
  for (let i = 0; i < 2; i++) await processImage(codecs, bytes, family, MATRIX_LIMIT);
  const totals: number[] = [];
  const stages = {
    decode: [] as number[],
    small: [] as number[],
    blurhash: [] as number[],
    encode: [] as number[],
    strip: [] as number[],
  };
  for (let i = 0; i < runs; i++) {
    let t = process.cpuUsage();
    const t0 = t;
    const decoded = await decodeImage(codecs, bytes, family, MATRIX_LIMIT);
    stages.decode.push(cpuMs(t));
    t = process.cpuUsage();
    const small = smallVersion(decoded);
    stages.small.push(cpuMs(t));
    t = process.cpuUsage();
    blurhashOf(small);
    stages.blurhash.push(cpuMs(t));
    t = process.cpuUsage();
    await encodePreview(codecs, small);
    stages.encode.push(cpuMs(t));
    t = process.cpuUsage();
    strippedOriginal(bytes, family);
    stages.strip.push(cpuMs(t));
    totals.push(cpuMs(t0));
  }
  return { total: median(totals), stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** utime + stime of a process, in milliseconds. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The workerd processes started (through wrangler) under `root`: wrangler runs more than one. */
function findWorkerd(root: number): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  for (const [pid, name] of names) {
    if (name !== "workerd") continue;
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

const workerdCpuMs = (pids: number[]): number => pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);

async function startWorker(): Promise<{ url: string; child: ChildProcess; workerd: number[] }> {
  const port = await freePort();
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [
    wrangler,
    "dev",
    "--config",
    path.join(ROOT, "bench", "media", "wrangler.toml"),
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
  ];
  args.push("--inspector-port", String(await freePort()), "--log-level", "warn");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    const workerd = child.pid === undefined ? [] : findWorkerd(child.pid);
    if (ok && workerd.length > 0) return { url, child, workerd };
  }
  child.kill("SIGTERM");
  throw new Error("wrangler dev did not start");
}

async function measureWorker(worker: { url: string; workerd: number[] }, bytes: Uint8Array, runs: number): Promise<number> {
  const body = new Uint8Array(bytes);
  const post = async (n: number) => {
    const res = await fetch(`${worker.url}?n=${n}`, { method: "POST", body });
    if (!res.ok) throw new Error(`bench worker answered ${res.status}: ${await res.text()}`);
    return res.text();
  };
  await post(2); // warm-up: module instantiation, JIT tiers
  const samples: number[] = [];
  for (let round = 0; round < 3; round++) {
    const before = workerdCpuMs(worker.workerd);
    await post(runs);
    samples.push((workerdCpuMs(worker.workerd) - before) / runs);
  }
  return median(samples);
}

/** The whole media benchmark; `npm run bench` runs it after the others (bench/run.ts). */
export async function runMediaBench(): Promise<void> {
  const runs = option("runs", 10);
  const codecs = nodeCodecs();
  const images = await inputs(codecs);
  const worker = await startWorker();
  const rows: string[][] = [];
  let failed = false;
  try {
    for (const image of images) {
      const node = await measureNode(codecs, image.bytes, image.family, runs);
      const inWorker = await measureWorker(worker, image.bytes, runs);
      const ratio = inWorker / node.total;
      failed ||= ratio > RATIO_LIMIT;
      const stages = Object.entries(node.stages)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(", ");
      rows.push([
        image.name,
        `${(image.bytes.length / 1e6).toFixed(2)} MB`,
        node.total.toFixed(1),
        inWorker.toFixed(1),
        ratio.toFixed(2),
        stages,
      ]);
    }
  } finally {
    worker.child.kill("SIGTERM");
  }
  const header = ["image", "file", "Node CPU ms", "workerd CPU ms", "ratio", "Node stages (ms)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(`\nMedia pipeline, CPU per image (median of ${runs}; codecs: jSquash MozJPEG/png/libwebp/libavif WASM)`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(failed ? `\nFAIL: workerd/Node ratio above ${RATIO_LIMIT}` : `\nOK: workerd/Node ratio ≤ ${RATIO_LIMIT}`);
  if (failed) process.exitCode = 1;
}

// Run directly (`tsx bench/media/run.ts`) rather than imported by bench/run.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runMediaBench();
