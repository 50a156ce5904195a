/**
 * What an upload really is, decided by its first bytes (never by its name or the type the client
 * claimed), and whether the name and claimed type agree with it. A PNG renamed `.jpg` or sent as
 * `video/mp4` is refused: Mastodon's Paperclip does the same ("has contents that are not what they
 * are reported to be"), and it keeps a client bug or a disguised file from being stored.
 */

export type MediaKind = "image" | "video" | "audio";

/** Container families: names and types within one family describe the same bytes. */
export type Family =
  | "jpeg"
  | "png"
  | "gif"
  | "webp"
  | "avif"
  | "heic"
  | "bmff" // ISO base media: MP4, MOV, M4A, 3GP
  | "matroska" // WebM, MKV
  | "ogg"
  | "mp3"
  | "wav"
  | "flac"
  | "aac";

export interface Sniffed {
  family: Family;
  /** The stored Content-Type. For BMFF/Matroska/Ogg the final one depends on the tracks found. */
  mime: string;
  ext: string;
  /** Best guess before parsing; containers that can hold either are settled by their tracks. */
  kind: MediaKind;
}

const ascii = (bytes: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(at, Math.min(bytes.length, at + length)));

const startsWith = (bytes: Uint8Array, sig: readonly number[], at = 0): boolean =>
  bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);

const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

/** The ftyp brands of an ISO BMFF file: major brand, then the compatible ones. */
function ftypBrands(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") return undefined;
  const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  const end = Math.min(bytes.length, Math.max(16, size));
  const brands = [ascii(bytes, 8, 4)];
  for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(bytes, p, 4));
  return brands;
}

function sniffBmff(brands: string[]): Sniffed {
  const major = brands[0] ?? "";
  // An image brand as major brand wins; HEIF files also list mif1 among compatible brands.
  if (AVIF_BRANDS.has(major) || (major === "mif1" && brands.some((b) => AVIF_BRANDS.has(b)))) {
    return { family: "avif", mime: "image/avif", ext: "avif", kind: "image" };
  }
  if (HEIC_BRANDS.has(major)) return { family: "heic", mime: "image/heic", ext: "heic", kind: "image" };
  if (major === "qt  ") return { family: "bmff", mime: "video/quicktime", ext: "mov", kind: "video" };
  if (major === "M4A " || major === "M4B ") return { family: "bmff", mime: "audio/mp4", ext: "m4a", kind: "audio" };
  return { family: "bmff", mime: "video/mp4", ext: "mp4", kind: "video" };
}

/** An MPEG audio frame header (layer III, valid bitrate and rate indexes). */
export function isMp3FrameHeader(bytes: Uint8Array, at: number): boolean {
  const b1 = bytes[at + 1] ?? 0;
  const b2 = bytes[at + 2] ?? 0;
  return (
    bytes[at] === 0xff &&
    (b1 & 0xe0) === 0xe0 &&
    ((b1 >> 3) & 3) !== 1 && // version: reserved
    ((b1 >> 1) & 3) === 1 && // layer III
    b2 >> 4 !== 0xf && // bitrate: bad
    b2 >> 4 !== 0 && // free format: no frame length to walk
    ((b2 >> 2) & 3) !== 3 // sample rate: reserved
  );
}

/** Reads the first bytes and names the format, or undefined when it is none we accept. */
export function sniff(bytes: Uint8Array): Sniffed | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { family: "jpeg", mime: "image/jpeg", ext: "jpg", kind: "image" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { family: "png", mime: "image/png", ext: "png", kind: "image" };
  }
  const head4 = ascii(bytes, 0, 4);
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") {
    return { family: "gif", mime: "image/gif", ext: "gif", kind: "image" };
  }
  if (head4 === "RIFF" && ascii(bytes, 8, 4) === "WEBP")
    return { family: "webp", mime: "image/webp", ext: "webp", kind: "image" };
  if (head4 === "RIFF" && ascii(bytes, 8, 4) === "WAVE") return { family: "wav", mime: "audio/wav", ext: "wav", kind: "audio" };
  const brands = ftypBrands(bytes);
  if (brands) return sniffBmff(brands);
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) {
    // The DocType sits in the EBML header, within its first few dozen bytes.
    const isWebm = ascii(bytes, 0, 64).includes("webm");
    return isWebm
      ? { family: "matroska", mime: "video/webm", ext: "webm", kind: "video" }
      : { family: "matroska", mime: "video/x-matroska", ext: "mkv", kind: "video" };
  }
  if (head4 === "OggS") return { family: "ogg", mime: "audio/ogg", ext: "ogg", kind: "audio" };
  if (head4 === "fLaC") return { family: "flac", mime: "audio/flac", ext: "flac", kind: "audio" };
  if (ascii(bytes, 0, 3) === "ID3" || isMp3FrameHeader(bytes, 0)) {
    return { family: "mp3", mime: "audio/mpeg", ext: "mp3", kind: "audio" };
  }
  // ADTS AAC: 12-bit sync, layer 0.
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xf6) === 0xf0)
    return { family: "aac", mime: "audio/aac", ext: "aac", kind: "audio" };
  return undefined;
}

/** Claimed MIME types (lower case, parameters dropped) and the family each one names. */
const TYPE_FAMILY: Record<string, Family> = {
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/pjpeg": "jpeg",
  "image/png": "png",
  "image/apng": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
  "image/heic": "heic",
  "image/heif": "heic",
  "video/mp4": "bmff",
  "video/quicktime": "bmff",
  "video/3gpp": "bmff",
  "audio/mp4": "bmff",
  "audio/m4a": "bmff",
  "audio/x-m4a": "bmff",
  "audio/3gpp": "bmff",
  "video/webm": "matroska",
  "audio/webm": "matroska",
  "video/x-matroska": "matroska",
  "audio/x-matroska": "matroska",
  "video/ogg": "ogg",
  "audio/ogg": "ogg",
  "audio/vorbis": "ogg",
  "audio/opus": "ogg",
  "application/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/mpeg3": "mp3",
  "audio/x-mpeg-3": "mp3",
  "audio/wav": "wav",
  "audio/wave": "wav",
  "audio/x-wav": "wav",
  "audio/x-pn-wave": "wav",
  "audio/vnd.wave": "wav",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "audio/aac": "aac",
  "audio/aacp": "aac",
  "audio/x-aac": "aac",
};

const EXT_FAMILY: Record<string, Family> = {
  jpg: "jpeg",
  jpeg: "jpeg",
  jpe: "jpeg",
  jfif: "jpeg",
  png: "png",
  apng: "png",
  gif: "gif",
  webp: "webp",
  avif: "avif",
  heic: "heic",
  heif: "heic",
  mp4: "bmff",
  m4v: "bmff",
  mov: "bmff",
  qt: "bmff",
  m4a: "bmff",
  m4b: "bmff",
  "3gp": "bmff",
  webm: "matroska",
  mkv: "matroska",
  mka: "matroska",
  ogg: "ogg",
  oga: "ogg",
  ogv: "ogg",
  opus: "ogg",
  mp3: "mp3",
  wav: "wav",
  wave: "wav",
  flac: "flac",
  aac: "aac",
};

/**
 * Why the name or claimed type contradicts the bytes, or undefined when they agree. Types and
 * extensions we do not know (`application/octet-stream`, `blob`, no extension) claim nothing.
 */
export function contradiction(found: Sniffed, claimedType: string, fileName: string): string | undefined {
  const type = claimedType.split(";")[0]?.trim().toLowerCase() ?? "";
  const typeFamily = TYPE_FAMILY[type];
  if (typeFamily !== undefined && typeFamily !== found.family) return `claimed type ${type}`;
  const dot = fileName.lastIndexOf(".");
  const ext = dot >= 0 ? fileName.slice(dot + 1).toLowerCase() : "";
  const extFamily = EXT_FAMILY[ext];
  if (extFamily !== undefined && extFamily !== found.family) return `name ${fileName}`;
  return undefined;
}
