/**
 * The one error type. Route handlers and services throw it; `onError` in app.ts renders it as
 * Mastodon's `{"error": "..."}` JSON. OAuth routes put an RFC 6749 code in `error` and the human text
 * in `description`. Federation routes render only the status.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly description: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    message: string,
    options: {
      description?: string;
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.description = options.description;
    this.details = options.details;
    this.headers = options.headers;
  }

  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { error: this.message };
    if (this.description !== undefined) body.error_description = this.description;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export const notFound = (): ApiError => new ApiError(404, "Record not found");

/** Mastodon's 422 wording: "Validation failed: Username has already been taken, Email is invalid". */
export function validationFailed(errors: Array<{ field: string; message: string; code?: string }>): ApiError {
  const text = errors.map((e) => `${humanize(e.field)} ${e.message}`).join(", ");
  const details: Record<string, Array<{ error: string; description: string }>> = {};
  for (const e of errors) {
    const list = details[e.field] ?? [];
    list.push({ error: e.code ?? "ERR_INVALID", description: e.message });
    details[e.field] = list;
  }
  return new ApiError(422, `Validation failed: ${text}`, { details });
}

export function humanize(field: string): string {
  const words = field.replace(/[._]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
