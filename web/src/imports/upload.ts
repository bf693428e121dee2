// The upload flow of docs/imports.md for files of any size: POST /v1/imports/uploads (a presigned
// ticket) → PUT the bytes to its uploadUrl with exactly its headers (no Authorization) → POST
// …/start (202, queued) → GET /v1/imports/{id} until it succeeds or fails. Plus the progress it
// shows and the choice between this and the small-file JSON path.
import { ApiError } from "../api/client";
import type { ErrorBody, ImportFormat, ImportState, ImportStatus, UploadTicket } from "../api/types";

/** The JSON path's limits (POST /v1/imports): 1 MiB of UTF-8 and 5,000 data rows. */
export const JSON_MAX_BYTES = 1024 * 1024;
export const JSON_MAX_ROWS = 5000;

export function isTerminal(state: ImportState): boolean {
  return state === "succeeded" || state === "failed";
}

/** Data rows of a CSV text: non-blank lines after the header (a quoted cell spanning lines counts each line, a close upper bound). */
export function countDataRows(text: string): number {
  let rows = 0;
  for (const line of text.split(/\r?\n/)) if (line.trim() !== "") rows += 1;
  return Math.max(0, rows - 1);
}

/** "json" when the file fits POST /v1/imports (an instant report), else "upload" (background, with progress). */
export function importMethod(bytes: number, rows: number, preferUpload: boolean): "json" | "upload" {
  return preferUpload || bytes > JSON_MAX_BYTES || rows > JSON_MAX_ROWS ? "upload" : "json";
}

export interface Progress {
  /** What is happening, in words. */
  label: string;
  /** For a <progress>: value of max, or null (indeterminate). */
  value: number | null;
  max: number;
  done: boolean;
}

/** The import's progress: rows stored of the file's rows, then instruments recomputed, then done. */
export function progressOf(status: Pick<ImportStatus, "state" | "phase" | "rowsDone" | "pairsDone" | "instruments" | "error">, totalRows: number | null): Progress {
  switch (status.state) {
    case "awaiting_upload":
      return { label: "Uploading the file…", value: null, max: 1, done: false };
    case "queued":
      return { label: "Queued: waiting for the import worker…", value: null, max: 1, done: false };
    case "running":
      if (status.phase === "recomputing") {
        return {
          label: `Recomputing trades: ${String(status.pairsDone)} of ${String(status.instruments)} instruments`,
          value: status.pairsDone,
          max: Math.max(status.instruments, 1),
          done: false,
        };
      }
      return {
        label:
          totalRows === null
            ? `Storing fills: ${String(status.rowsDone)} rows done`
            : `Storing fills: ${String(status.rowsDone)} of ${String(totalRows)} rows done`,
        value: totalRows === null ? null : Math.min(status.rowsDone, totalRows),
        max: Math.max(totalRows ?? 1, 1),
        done: false,
      };
    case "succeeded":
      return { label: `Done: ${String(status.rowsDone)} rows read`, value: 1, max: 1, done: true };
    case "failed":
      return {
        label: `Failed: ${status.error?.message ?? "the import did not finish"}${status.error ? ` (${status.error.code})` : ""}`,
        value: null,
        max: 1,
        done: true,
      };
  }
}

/** What the flow needs: the authorized API call and a plain fetch (for the presigned PUT). */
export interface UploadDeps {
  api: <T>(path: string, options: { method: "POST" | "GET"; body?: unknown }) => Promise<T>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}

async function putError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error?.message) return new ApiError(response.status, body.error.code, body.error.message);
  } catch {
    // S3 answers XML: its <Message> if there is one
  }
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return new ApiError(response.status, "UPLOAD_FAILED", `The upload was refused: ${message ?? `${String(response.status)} ${response.statusText}`.trim()}`);
}

/**
 * Ticket, PUT, start: the import's status after the start (queued, or further when it was quick).
 * `onStatus` hears the phases before the worker's own (awaiting upload).
 */
export async function startUpload(
  deps: UploadDeps,
  file: Blob,
  format: ImportFormat,
  accountId: string | null,
): Promise<ImportStatus> {
  const request: { format: ImportFormat; accountId?: string } = { format };
  if (accountId) request.accountId = accountId;
  const ticket = await deps.api<UploadTicket>("/v1/imports/uploads", { method: "POST", body: request });
  if (file.size > ticket.maxBytes) {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", `The file is larger than the ${String(ticket.maxBytes / (1024 * 1024))} MiB an upload takes.`);
  }
  const put = await deps.fetch(ticket.uploadUrl, { method: ticket.method, headers: ticket.headers, body: file });
  if (!put.ok) throw await putError(put);
  return deps.api<ImportStatus>(ticket.startUrl, { method: "POST" });
}
