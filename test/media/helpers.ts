/**
 * Media test helpers. Fixture files are bundled into the test as base64 (Vite's `?inline`), since
 * tests run inside workerd, which has no access to the host's files.
 */
import { env, SELF } from "cloudflare:test";
import { BASE } from "../helpers/fixtures";

const files = import.meta.glob("../fixtures/media/*.{jpg,png,gif,webp,avif,mp4,mov,webm,mp3,ogg,wav,flac,m4a}", {
  eager: true,
  query: "?inline",
  import: "default",
}) as Record<string, string>;
// Vite has no asset type for HEIC, so that fixture is also committed as base64 text.
const texts = import.meta.glob("../fixtures/media/*.b64.txt", { eager: true, query: "?raw", import: "default" }) as Record<
  string,
  string
>;

/** The bytes of test/fixtures/media/<name>. */
export function fixture(name: string): Uint8Array {
  const url = files[`../fixtures/media/${name}`];
  const text = texts[`../fixtures/media/${name}.b64.txt`];
  const base64 = url === undefined ? text?.trim() : url.slice(url.indexOf(",") + 1);
  if (base64 === undefined) throw new Error(`no fixture ${name}`);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** POSTs a multipart upload the way clients do. */
export function upload(
  token: string,
  file: { bytes: Uint8Array; name: string; type: string },
  fields: Record<string, string> = {},
  path = "/api/v2/media",
  extra?: (form: FormData) => void,
): Promise<Response> {
  const form = new FormData();
  form.append("file", new File([file.bytes], file.name, { type: file.type }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  extra?.(form);
  return SELF.fetch(`${BASE}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
}

/**
 * Keys in the media bucket, all or one account's (store.ts records the account on each object).
 * Tests check with it that refusals store nothing, while other test files upload in parallel.
 */
export async function bucketKeys(accountId?: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    // `include` is part of R2's list API, missing from this version of the types.
    const options = { cursor, limit: 1000, include: ["customMetadata"] } as R2ListOptions;
    const page = await env.MEDIA.list(options);
    const mine = page.objects.filter((o) => accountId === undefined || o.customMetadata?.account_id === String(accountId));
    keys.push(...mine.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}
