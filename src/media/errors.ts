/**
 * Refusals of an upload, all 422 with Mastodon's wording where Mastodon has one: Paperclip's
 * validations ("File content type is invalid", "File file size must be less than 16 MB", "File has
 * contents that are not what they are reported to be") and Mastodon's own "WxH images are not
 * supported". Processing failures say what was wrong with the file rather than "could not be verified".
 */
import { ApiError } from "../errors";

/** The attribute named in messages: "File" for media, "Avatar" / "Header" for profile images. */
export type Label = "File" | "Avatar" | "Header" | "Thumbnail";

export const invalidContentType = (label: Label = "File"): ApiError =>
  new ApiError(422, `Validation failed: ${label} content type is invalid`);

export const spoofed = (detected: string, claim: string, label: Label = "File"): ApiError =>
  new ApiError(
    422,
    `Validation failed: ${label} has contents that are not what they are reported to be (the file is ${detected}, its ${claim} says otherwise)`,
  );

/** ActiveSupport's number_to_human_size for whole mebibytes, which is what the limits are. */
const megabytes = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;

export const tooLarge = (limit: number, label: Label = "File"): ApiError =>
  new ApiError(422, `Validation failed: ${label} file size must be less than ${megabytes(limit)}`);

export const tooManyPixels = (width: number, height: number, what: "images" | "videos"): ApiError =>
  new ApiError(422, `${width}x${height} ${what} are not supported`);

export const unprocessable = (reason: string, label: Label = "File"): ApiError =>
  new ApiError(422, `Validation failed: ${label} could not be processed: ${reason}`);
