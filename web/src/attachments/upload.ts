// Screenshots on a trade (docs/attachments.md): the file checked before any request (the server
// checks again: S3's policy, the confirmation's HEAD, the worker's sniffing), the presigned POST's
// multipart body (its fields first, the file last), the flow ask → POST to S3 → confirm → poll until
// ready or rejected, the API's refusals in words, and when the presigned links need renewing.
import { ApiError } from "../api/client";
import type { AttachmentOut, AttachmentStatus, AttachmentUpload, UploadForm } from "../api/types";
import { backoffCeiling, type Backoff } from "../live/backoff";

/** The API's limit (5 MB = 5,242,880 bytes) and kinds (told by the bytes server-side). */
export const MAX_BYTES = 5 * 1024 * 1024;
export const ACCEPTED_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
/** For the file input's `accept`: the types and their usual extensions. */
export const ACCEPT = [...ACCEPTED_TYPES, ".png", ".jpg", ".jpeg", ".webp"].join(",");

const EXTENSION = /\.(png|jpe?g|webp)$/i;

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why the chosen file cannot be attached, or null when it may be sent. */
export function fileProblem(file: Pick<File, "name" | "size" | "type">): string | null {
  const typed = file.type !== "";
  if (typed ? !(ACCEPTED_TYPES as readonly string[]).includes(file.type) : !EXTENSION.test(file.name)) {
    return `${file.name} is not a PNG, JPEG or WebP image.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > MAX_BYTES) {
    return `${file.name} is ${megabytes(file.size)} (${file.size.toLocaleString("en-US")} bytes); a screenshot can be at most 5 MB (5,242,880 bytes).`;
  }
  return null;
}

/** The presigned POST's body: every field of the form, in its order, then the file as `file` (S3 ignores fields after it). */
export function uploadBody(form: Pick<UploadForm, "fields">, file: Blob, fileName: string): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append("file", file, fileName);
  return body;
}

function issueOf(error: ApiError): string | null {
  for (const item of error.details) {
    if (typeof item === "object" && item !== null && "issue" in item && typeof item.issue === "string") return item.issue;
  }
  return null;
}

/** An error of the flow in words: the API's refusals by their issue, S3's by its message. */
export function attachmentErrorText(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : "The screenshot could not be attached.";
  switch (issueOf(error)) {
    case "too_many_attachments":
      return "This trade already has 10 screenshots, the most it can have: delete one to attach another.";
    case "not_uploaded":
      return "The screenshot did not reach storage, so it was not attached. Try again.";
    case "upload_expired":
      return "The upload took too long and its permission expired. Delete the unfinished screenshot and attach it again.";
    case "too_large":
      return "The screenshot is larger than 5 MB and was refused. Attach a smaller image.";
  }
  if (error.status === 413) return "The screenshot is larger than 5 MB and was refused. Attach a smaller image.";
  if (error.status === 404) return "This trade or screenshot no longer exists.";
  return `${error.message} (${error.code})`;
}

async function postError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code === "EntityTooLarge" || response.status === 413) {
    return new ApiError(413, "PAYLOAD_TOO_LARGE", "The upload was refused: the file is too large", [{ issue: "too_large" }]);
  }
  return new ApiError(response.status, "UPLOAD_FAILED", `The upload was refused: ${message ?? `${String(response.status)} ${response.statusText}`.trim()}`);
}

export function isSettled(status: AttachmentStatus): boolean {
  return status === "ready" || status === "rejected";
}

/** Polling after the confirmation: 0.5 s doubling to 5 s (the worker takes well under a second). */
export const POLL_BACKOFF: Backoff = { baseMs: 500, maxMs: 5_000 };
/** Give up watching (not the upload: it stays processing on the server) after this many reads. */
export const MAX_POLLS = 40;

export type Phase = "asking" | "uploading" | "confirming" | "processing";

export const PHASE_LABELS: Record<Phase, string> = {
  asking: "Preparing the upload…",
  uploading: "Uploading the screenshot…",
  confirming: "Checking the upload…",
  processing: "Making the thumbnail…",
};

/** What the flow needs: the authorized API call, a plain fetch (the presigned POST, no token) and a wait. */
export interface AttachDeps {
  api: <T>(path: string, options: { method: "POST" | "GET"; body?: unknown }) => Promise<T>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  sleep: (ms: number) => Promise<void>;
}

export function attachmentPath(attachmentId: string): string {
  return `/v1/attachments/${encodeURIComponent(attachmentId)}`;
}

/**
 * Ask, upload, confirm, then read until the worker is done: the attachment as it ended (ready or
 * rejected; still processing if it took longer than MAX_POLLS reads). An error says which step
 * failed (the attachment asked for may remain awaiting its upload: the trade's list shows it).
 */
export async function attachScreenshot(
  deps: AttachDeps,
  tradeId: string,
  file: File,
  onPhase: (phase: Phase, attachment?: AttachmentOut) => void = () => undefined,
): Promise<AttachmentOut> {
  onPhase("asking");
  const asked = await deps.api<AttachmentUpload>(`/v1/attachments/trades/${encodeURIComponent(tradeId)}`, {
    method: "POST",
    body: { fileName: file.name.slice(0, 200) || "screenshot" },
  });
  const id = asked.attachment.attachmentId;
  if (file.size > asked.upload.maxBytes) {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", "The file is too large", [{ issue: "too_large" }]);
  }
  onPhase("uploading", asked.attachment);
  const posted = await deps.fetch(asked.upload.url, { method: "POST", body: uploadBody(asked.upload, file, file.name) });
  if (!posted.ok) throw await postError(posted);
  onPhase("confirming", asked.attachment);
  let attachment = await deps.api<AttachmentOut>(`${attachmentPath(id)}/confirm`, { method: "POST" });
  for (let attempt = 0; !isSettled(attachment.status) && attempt < MAX_POLLS; attempt += 1) {
    onPhase("processing", attachment);
    await deps.sleep(backoffCeiling(attempt, POLL_BACKOFF));
    attachment = await deps.api<AttachmentOut>(attachmentPath(id), { method: "GET" });
  }
  return attachment;
}

/** Renew the list this long before its presigned links expire. */
export const LINK_MARGIN_MS = 15_000;

/**
 * When to read the trade's screenshots again: soon while one is being processed (another tab's,
 * or one whose watch gave up), shortly before the earliest link expires, else never (ms or false).
 */
export function relistDelay(items: readonly Pick<AttachmentOut, "status" | "expiresAt">[], now: Date): number | false {
  if (items.some((item) => item.status === "processing")) return 2_000;
  const expiries = items
    .filter((item) => item.status === "ready" && item.expiresAt)
    .map((item) => new Date(item.expiresAt ?? "").getTime())
    .filter((at) => !Number.isNaN(at));
  if (expiries.length === 0) return false;
  return Math.max(1_000, Math.min(...expiries) - now.getTime() - LINK_MARGIN_MS);
}

/** A status in words, with a tone for its badge. */
export const STATUS_LABELS: Record<AttachmentStatus, { label: string; tone: "info" | "warn" | "good" | "bad" }> = {
  awaiting_upload: { label: "Not uploaded", tone: "warn" },
  processing: { label: "Processing", tone: "info" },
  ready: { label: "Ready", tone: "good" },
  rejected: { label: "Rejected", tone: "bad" },
};
