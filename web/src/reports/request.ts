// The Reports page's pure logic (docs/reports.md): which formats and period each kind takes (the
// API's oneOf by kind), the period checked as the API checks it before sending, the status in
// words, how long to wait before asking again, and whether a download URL is still good.
import { backoffCeiling, type Backoff } from "../live/backoff";
import type { ReportFormat, ReportKind, ReportOut, ReportRequest, ReportStatus } from "../api/types";

export interface KindSpec {
  label: string;
  formats: readonly ReportFormat[];
  /** "fy": a financial year 2024-25; "month": a calendar month 2025-06. */
  period: "fy" | "month";
}

export const REPORT_KINDS: Record<ReportKind, KindSpec> = {
  trade_history: { label: "Trade history", formats: ["csv", "xlsx"], period: "fy" },
  tax_pnl: { label: "Tax P&L statement", formats: ["xlsx", "pdf"], period: "fy" },
  monthly_statement: { label: "Monthly statement", formats: ["pdf"], period: "month" },
};

export const FORMAT_LABELS: Record<ReportFormat, string> = { csv: "CSV", xlsx: "Excel (XLSX)", pdf: "PDF" };

const FY = /^20(\d{2})-(\d{2})$/;
const MONTH = /^20\d{2}-(0[1-9]|1[0-2])$/;

/** Why the period is not one the API takes for this kind, or null when it is. */
export function periodError(kind: ReportKind, period: string): string | null {
  const text = period.trim();
  if (REPORT_KINDS[kind].period === "month") {
    return MONTH.test(text) ? null : "Enter a month as YYYY-MM, e.g. 2025-06.";
  }
  const match = FY.exec(text);
  if (!match) return "Enter a financial year as YYYY-YY, e.g. 2024-25.";
  const [, first = "", second = ""] = match;
  if ((Number(first) + 1) % 100 !== Number(second)) {
    return `A financial year runs from April to March of the next year: 20${first}-${String((Number(first) + 1) % 100).padStart(2, "0")}.`;
  }
  return null;
}

/** The request body: the kind's format kept when it has it, else its first. */
export function reportRequest(kind: ReportKind, period: string, format: ReportFormat): ReportRequest {
  const formats = REPORT_KINDS[kind].formats;
  return { kind, period: period.trim(), format: formats.includes(format) ? format : (formats[0] ?? "pdf") };
}

/** The default period of a kind: the financial year or the month before the one of `today`. */
export function defaultPeriod(kind: ReportKind, today: Date = new Date()): string {
  if (REPORT_KINDS[kind].period === "month") {
    const previous = new Date(today.getFullYear(), today.getMonth() - 1, 1);
    return `${String(previous.getFullYear())}-${String(previous.getMonth() + 1).padStart(2, "0")}`;
  }
  const start = (today.getMonth() >= 3 ? today.getFullYear() : today.getFullYear() - 1) - 1;
  return `${String(start)}-${String((start + 1) % 100).padStart(2, "0")}`;
}

export const STATUS_LABELS: Record<ReportStatus, { label: string; tone: "info" | "warn" | "good" | "bad" }> = {
  queued: { label: "Queued", tone: "info" },
  running: { label: "Being made", tone: "warn" },
  ready: { label: "Ready", tone: "good" },
  failed: { label: "Failed", tone: "bad" },
};

export function isFinished(status: ReportStatus): boolean {
  return status === "ready" || status === "failed";
}

/** Polling a queued report: 1 s, 2 s, 4 s … up to 15 s (the WebSocket's `report` frame asks at once). */
export const POLL_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 15_000 };

/** The wait before the `attempt`-th (0-based) status read of an unfinished report. */
export function pollDelay(attempt: number): number {
  return backoffCeiling(attempt, POLL_BACKOFF);
}

/** Ask for a fresh URL this long before the presigned one expires (a click in flight still works). */
export const URL_MARGIN_MS = 15_000;

/** True when the report's download URL is missing or (about to be) expired at `now`. */
export function urlExpired(report: Pick<ReportOut, "downloadUrl" | "expiresAt">, now: Date): boolean {
  if (!report.downloadUrl || !report.expiresAt) return true;
  const at = new Date(report.expiresAt).getTime();
  return Number.isNaN(at) || at - now.getTime() <= URL_MARGIN_MS;
}

/** "12.3 KB" / "1.2 MB" / "512 B": a file's size (bytes, not money). */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return "—";
  if (bytes < 1024) return `${String(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The session's list, newest first: a new report goes first, a known one is replaced where it is. */
export function upsertReport(list: readonly ReportOut[], report: ReportOut): ReportOut[] {
  const known = list.some((item) => item.reportId === report.reportId);
  return known ? list.map((item) => (item.reportId === report.reportId ? report : item)) : [report, ...list];
}

function createdMs(report: ReportOut): number {
  const at = Date.parse(report.createdAt);
  return Number.isNaN(at) ? 0 : at;
}

/**
 * The page's list: the API's pages (GET /v1/reports, newest first) with this session's reports
 * that are not (yet) in them, each once, newest first (a report asked for after the list was read
 * shows at once). A report in both keeps the session's copy (it may be the newer status).
 */
export function mergeReports(session: readonly ReportOut[], listed: readonly ReportOut[]): ReportOut[] {
  const seen = new Map<string, ReportOut>();
  for (const report of [...session, ...listed]) {
    if (!seen.has(report.reportId)) seen.set(report.reportId, report);
  }
  // Array.prototype.sort is stable: equal times keep the session-then-API order.
  return [...seen.values()].sort((a, b) => createdMs(b) - createdMs(a));
}

/**
 * Whether a report's row reads GET /v1/reports/{id} by itself: while it is being made (for its
 * status), and once it has a download URL (to renew it before it expires). A ready report from the
 * list has no URL: its row asks for one only when Download is pressed (no request per listed row).
 */
export function readsItself(report: Pick<ReportOut, "status" | "downloadUrl">): boolean {
  return !isFinished(report.status) || (report.status === "ready" && report.downloadUrl !== null);
}
