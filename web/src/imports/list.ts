// The Imports page's list of uploaded imports (GET /v1/imports, newest first, keyset pages): each
// import's state in words, with its progress while it runs, its counts once it succeeded, and its
// error code with what to do when it failed (docs/imports.md).
import type { ImportFormat, ImportStatus } from "../api/types";
import { progressOf } from "./upload";

export const FORMAT_NAMES: Record<ImportFormat, string> = {
  zerodha_tradebook: "Zerodha Console tradebook",
  upstox_trades: "Upstox trades",
  generic: "Generic CSV",
};

export interface ImportSummary {
  label: string;
  tone: "info" | "warn" | "good" | "bad";
  /** Progress, counts or the error's message. */
  detail: string;
  /** What the trader should do next, or null. */
  advice: string | null;
  /** For a <progress> while it runs (value of max), else null. */
  progress: { value: number | null; max: number } | null;
}

const ADVICE: Record<string, string> = {
  INTERRUPTED:
    "The server stopped during this import. Upload the same file again: the rows already stored count as duplicates, nothing is doubled.",
  VALIDATION_ERROR: "Fix the file as the message says, then upload it again (rows stored before the bad spot count as duplicates).",
  UNPROCESSABLE: "Fix the file as the message says, then upload it again (rows stored before the bad spot count as duplicates).",
};

function counts(status: ImportStatus): string {
  const parts = [`${String(status.imported)} imported`, `${String(status.duplicates)} duplicates`, `${String(status.rejectedCount)} rejected`];
  return `${String(status.rowsDone)} rows read: ${parts.join(", ")}`;
}

export function importSummary(status: ImportStatus): ImportSummary {
  switch (status.state) {
    case "awaiting_upload":
      return {
        label: "Waiting for the file",
        tone: "warn",
        detail: "The file was never uploaded (or not yet).",
        advice: "If you left the page during the upload, choose the file and import it again.",
        progress: null,
      };
    case "queued":
    case "running": {
      const progress = progressOf(status, null);
      return {
        label: status.state === "queued" ? "Queued" : "Running",
        tone: "info",
        detail: progress.label,
        advice: null,
        progress: { value: progress.value, max: progress.max },
      };
    }
    case "succeeded":
      return {
        label: "Succeeded",
        tone: "good",
        detail:
          counts(status) +
          (status.unmatchedExits > 0 ? `; ${String(status.unmatchedExits)} sells found no earlier buy (see Data quality)` : ""),
        advice: null,
        progress: null,
      };
    case "failed": {
      const code = status.error?.code ?? "FAILED";
      return {
        label: `Failed (${code})`,
        tone: "bad",
        detail: status.error?.message ?? "The import did not finish.",
        advice: ADVICE[code] ?? "Upload the file again; if it fails the same way, check its format.",
        progress: null,
      };
    }
  }
}
