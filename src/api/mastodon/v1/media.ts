/**
 * `/api/v1/media`, `/api/v2/media`, `/api/v1/media/:id` and `DELETE /api/v1/profile/avatar|header`.
 *
 * Uploads are processed inside the request (see src/media/image.ts for the CPU cost), so both POST
 * routes answer 200 with the final entity; GET answers 206 only for a row still unprocessed, which
 * this server never leaves behind, but clients (masto.js) know the code and poll on it.
 */
import { type Context, Hono } from "hono";
import { serializeCredentialAccount } from "../../../entities/account";
import { MEDIA_LIMITS } from "../../../entities/instance";
import { serializeMediaAttachment } from "../../../entities/media-attachment";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { tooLarge } from "../../../media/errors";
import { workerCodecs } from "../../../media/wasm-modules";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  createMedia,
  deleteMedia,
  findOwnUnattached,
  type MediaContext,
  type MediaInput,
  toUploadFile,
  updateMedia,
} from "../../../services/media";
import { removeProfileImage } from "../../../services/profile-images";
import { readParams } from "../../../util/request";

export const mediaRoutes = new Hono<AppEnv>();

const writeMedia = userRequired("write:media");

function mediaContext(c: Context<AppEnv>): MediaContext {
  return { db: c.get("db"), bucket: c.env.MEDIA, codecs: workerCodecs() };
}

/**
 * Refuses a body that cannot fit the largest allowed file (plus a thumbnail and form overhead)
 * before it is read into memory.
 */
function checkBodySize(c: Context<AppEnv>): void {
  const declared = Number(c.req.header("content-length") ?? "0");
  const ceiling = MEDIA_LIMITS.video_size_limit + MEDIA_LIMITS.image_size_limit + 1024 * 1024;
  if (declared > ceiling) throw tooLarge(MEDIA_LIMITS.video_size_limit);
}

async function readMediaInput(c: Context<AppEnv>): Promise<{ file: File | undefined; input: MediaInput }> {
  const params = await readParams(c);
  const input: MediaInput = {};
  const description = params.string("description");
  if (description !== undefined) input.description = description;
  const focus = params.string("focus");
  if (focus !== undefined && focus.trim() !== "") input.focus = focus;
  const thumbnail = params.file("thumbnail");
  if (thumbnail && thumbnail.size > 0) input.thumbnail = await toUploadFile(thumbnail);
  const file = params.file("file");
  return { file: file && (file.size > 0 || file.name !== "") ? file : undefined, input };
}

async function upload(c: Context<AppEnv>) {
  checkBodySize(c);
  const { account } = currentUser(c);
  const { file, input } = await readMediaInput(c);
  if (!file) throw new ApiError(422, "Validation failed: File can't be blank");
  const row = await createMedia(mediaContext(c), account.id, await toUploadFile(file), input);
  return c.json(serializeMediaAttachment(c.get("config"), row), 200);
}

mediaRoutes.post("/api/v1/media", writeMedia, upload);
mediaRoutes.post("/api/v2/media", writeMedia, upload);

mediaRoutes.get("/api/v1/media/:id", writeMedia, async (c) => {
  const { account } = currentUser(c);
  const row = await findOwnUnattached(c.get("db"), account.id, c.req.param("id"));
  return c.json(serializeMediaAttachment(c.get("config"), row), row.processedAt === null ? 206 : 200);
});

mediaRoutes.on(["PUT", "PATCH"], "/api/v1/media/:id", writeMedia, async (c) => {
  checkBodySize(c);
  const { account } = currentUser(c);
  const { input } = await readMediaInput(c);
  const row = await updateMedia(mediaContext(c), account.id, c.req.param("id"), input);
  return c.json(serializeMediaAttachment(c.get("config"), row), row.processedAt === null ? 206 : 200);
});

mediaRoutes.delete("/api/v1/media/:id", writeMedia, async (c) => {
  const { account } = currentUser(c);
  await deleteMedia(mediaContext(c), account.id, c.req.param("id"));
  return c.json({});
});

// Mastodon 4.2: removes the picture and answers with the updated CredentialAccount.
for (const kind of ["avatar", "header"] as const) {
  mediaRoutes.delete(`/api/v1/profile/${kind}`, userRequired("write:accounts"), async (c) => {
    const { account, user } = currentUser(c);
    const updated = await removeProfileImage(c.get("db"), c.env.MEDIA, account, kind);
    return c.json(serializeCredentialAccount(c.get("config"), updated, user));
  });
}
