/** What the container parsers read from video and audio files (nothing is decoded). */
export interface AvInfo {
  hasVideo: boolean;
  hasAudio: boolean;
  /** Display size of the video track. */
  width?: number;
  height?: number;
  /** Seconds. */
  duration?: number;
  fps?: number;
  /** "num/den", as ffprobe and Mastodon show it. */
  frameRate?: string;
  audioCodec?: string;
  sampleRate?: number;
  channels?: number;
  /** Embedded cover art (ID3 APIC, FLAC PICTURE, MP4 covr): Mastodon makes it the preview. */
  cover?: Uint8Array;
}

/** The file is not a readable file of the format its bytes announce. */
export class AvError extends Error {}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A frame rate as ffprobe writes it: "25/1", "30000/1001". */
export function frameRateString(num: number, den: number): string {
  const n = Math.round(num);
  const d = Math.round(den);
  if (n <= 0 || d <= 0) return "0/1";
  const g = gcd(n, d);
  return `${n / g}/${d / g}`;
}

/** Frames per second to two decimals, as Mastodon's meta shows them. */
export const roundFps = (fps: number): number => Math.round(fps * 100) / 100;
