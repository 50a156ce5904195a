/**
 * ISO base media file format (MP4, MOV, M4A, 3GP, and the HEIF/AVIF image containers): a tree of
 * length-prefixed boxes. Only the handful of boxes we read are parsed; the media data is never touched.
 */

export interface Box {
  type: string;
  /** Offset of the box's payload. */
  start: number;
  /** Offset just past the box. */
  end: number;
}

export class BmffError extends Error {}

const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The boxes directly inside [start, end). A box running past `end` means the file is cut short. */
export function children(bytes: Uint8Array, start: number, end: number): Box[] {
  const v = view(bytes);
  const boxes: Box[] = [];
  let p = start;
  while (p + 8 <= end) {
    let size = v.getUint32(p);
    const type = fourcc(bytes, p + 4);
    let header = 8;
    if (size === 1) {
      if (p + 16 > end) throw new BmffError(`box ${type} is truncated`);
      size = Number(v.getBigUint64(p + 8));
      header = 16;
    } else if (size === 0) {
      size = end - p; // extends to the end of the file
    }
    if (size < header) throw new BmffError(`box ${type} has a bad size`);
    if (p + size > end) throw new BmffError(`box ${type} is truncated`);
    boxes.push({ type, start: p + header, end: p + size });
    p += size;
  }
  return boxes;
}

export function child(bytes: Uint8Array, parent: Box, type: string): Box | undefined {
  return children(bytes, parent.start, parent.end).find((b) => b.type === type);
}

/** Follows a path of box types from `parent`, e.g. ["mdia", "minf", "stbl"]. */
export function path(bytes: Uint8Array, parent: Box, types: string[]): Box | undefined {
  let box: Box | undefined = parent;
  for (const t of types) {
    if (!box) return undefined;
    box = child(bytes, box, t);
  }
  return box;
}

export const root = (bytes: Uint8Array): Box => ({ type: "", start: 0, end: bytes.length });

/**
 * Image size of a HEIF/AVIF file from its `ispe` properties (meta → iprp → ipco). Grid images carry
 * one per tile plus one for the whole; the largest is the picture.
 */
export function heifSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const meta = child(bytes, root(bytes), "meta");
  if (!meta) return undefined;
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const ipco = path(bytes, { type: "meta", start: meta.start + 4, end: meta.end }, ["iprp", "ipco"]);
  if (!ipco) return undefined;
  const v = view(bytes);
  let best: { width: number; height: number } | undefined;
  for (const box of children(bytes, ipco.start, ipco.end)) {
    if (box.type !== "ispe" || box.end - box.start < 12) continue;
    const size = { width: v.getUint32(box.start + 4), height: v.getUint32(box.start + 8) };
    if (!best || size.width * size.height > best.width * best.height) best = size;
  }
  return best;
}
