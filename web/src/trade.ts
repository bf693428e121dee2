// A trade's detail: holding time, the fills query, and the annotation form's validation, which
// mirrors the API's (PATCH /v1/trades/{tradeId}: tags 1–40 characters after trimming, lower-cased,
// at most 20, duplicates dropped; notes up to 10,000 characters; strategy up to 100, trimmed; no
// control characters) so a mistake is shown before a request, and the API's 422 stays the backstop.
import type { Category, ExecutionOut, PatchTradeRequest, TradeOut } from "./api/types";
import { isIsoDay } from "./period";

export const MAX_NOTES = 10_000;
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
export const MAX_STRATEGY = 100;
// eslint-disable-next-line no-control-regex -- the API refuses control characters: so does the form
const CONTROL = /[\u0000-\u001f\u007f]/;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(count: number, unit: string): string {
  return `${String(count)} ${unit}${count === 1 ? "" : "s"}`;
}

/** How long a trade was (or has been, when open) held: "45 min", "2 h 05 min", "3 days 4 h". */
export function holdingText(openedAt: string, closedAt: string | null, now: Date = new Date()): string {
  const start = new Date(openedAt).getTime();
  const end = closedAt ? new Date(closedAt).getTime() : now.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return "—";
  const span = Math.max(0, end - start);
  if (span < MINUTE) return "under a minute";
  if (span < HOUR) return `${String(Math.floor(span / MINUTE))} min`;
  if (span < DAY) {
    const minutes = Math.floor((span % HOUR) / MINUTE);
    return `${String(Math.floor(span / HOUR))} h ${String(minutes).padStart(2, "0")} min`;
  }
  const days = Math.floor(span / DAY);
  const hours = Math.floor((span % DAY) / HOUR);
  return hours > 0 ? `${plural(days, "day")} ${String(hours)} h` : plural(days, "day");
}

const IST_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Kolkata",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The IST calendar day (YYYY-MM-DD) of an ISO date-time. */
export function istDay(iso: string): string {
  return IST_DAY.format(new Date(iso));
}

/** GET /v1/executions' query for the fills a trade may hold: its symbol and account, its IST days. */
export function fillsQuery(trade: TradeOut): Record<string, string> {
  return {
    symbol: trade.symbol,
    accountId: trade.accountId,
    from: istDay(trade.openedAt),
    ...(trade.closedAt ? { to: istDay(trade.closedAt) } : {}),
  };
}

/** The trade's own fills among executions, in time order. */
export function tradeFills(trade: TradeOut, executions: ExecutionOut[]): ExecutionOut[] {
  const ids = new Set(trade.executionIds);
  return executions
    .filter((execution) => ids.has(execution.executionId))
    .sort((a, b) => new Date(a.executedAt).getTime() - new Date(b.executedAt).getTime());
}

/** True when some fill came without the broker's fees, so the trade's charges are estimated. */
export function chargesEstimated(fills: ExecutionOut[]): boolean {
  return fills.some((fill) => !fill.feesGiven);
}

/** Tags as the API stores them: split on commas, trimmed, lower-cased, first occurrence kept. */
export function parseTags(text: string): string[] {
  const tags = text
    .split(",")
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag.length > 0);
  return [...new Set(tags)];
}

export type CategoryChoice = Category | "auto";

export interface AnnotationDraft {
  notes: string;
  tags: string; // comma-separated, as typed
  strategy: string;
  category: CategoryChoice;
}

export type AnnotationErrors = Partial<Record<keyof AnnotationDraft, string>>;

export function draftOf(trade: TradeOut): AnnotationDraft {
  return { notes: trade.notes, tags: trade.tags.join(", "), strategy: trade.strategy ?? "", category: trade.category };
}

function sameTags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((tag, index) => tag === b[index]);
}

/**
 * The draft's problems (by field), and the PATCH body of what changed against the trade (empty
 * when nothing did). "auto" puts the category back to automatic (null).
 */
export function validateAnnotations(
  draft: AnnotationDraft,
  trade: TradeOut,
): { errors: AnnotationErrors; patch: PatchTradeRequest } {
  const errors: AnnotationErrors = {};
  const tags = parseTags(draft.tags);
  const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
  if (long !== undefined) errors.tags = `A tag is at most ${String(MAX_TAG_LENGTH)} characters ("${long.slice(0, 12)}…").`;
  else if (tags.length > MAX_TAGS) errors.tags = `At most ${String(MAX_TAGS)} tags (${String(tags.length)} given).`;
  else if (tags.some((tag) => CONTROL.test(tag))) errors.tags = "Tags cannot hold control characters.";
  if (draft.notes.length > MAX_NOTES) {
    errors.notes = `Notes are at most ${MAX_NOTES.toLocaleString("en-IN")} characters (${draft.notes.length.toLocaleString("en-IN")} now).`;
  }
  const strategy = draft.strategy.trim();
  if (strategy.length > MAX_STRATEGY) errors.strategy = `A strategy is at most ${String(MAX_STRATEGY)} characters.`;
  else if (CONTROL.test(strategy)) errors.strategy = "The strategy cannot hold control characters.";

  const patch: PatchTradeRequest = {};
  if (draft.notes !== trade.notes) patch.notes = draft.notes;
  if (!sameTags(tags, trade.tags)) patch.tags = tags;
  if (strategy !== (trade.strategy ?? "")) patch.strategy = strategy === "" ? null : strategy;
  if (draft.category === "auto") patch.category = null;
  else if (draft.category !== trade.category) patch.category = draft.category;
  return { errors, patch };
}

/** The trade as it will read after the patch (the optimistic view; the API's answer replaces it). */
export function applyPatch(trade: TradeOut, patch: PatchTradeRequest): TradeOut {
  return {
    ...trade,
    ...(patch.notes !== undefined ? { notes: patch.notes ?? "" } : {}),
    ...(patch.tags !== undefined ? { tags: patch.tags ?? [] } : {}),
    ...(patch.strategy !== undefined ? { strategy: patch.strategy } : {}),
    ...(patch.category ? { category: patch.category } : {}),
  };
}

/** What is wrong with the trades table's "opened" date filters, or null. */
export function dateFilterError(from: string, to: string): string | null {
  if (from && !isIsoDay(from)) return "“Opened from” is not a date (YYYY-MM-DD).";
  if (to && !isIsoDay(to)) return "“Opened to” is not a date (YYYY-MM-DD).";
  if (from && to && from > to) return "“Opened from” is after “Opened to”.";
  return null;
}
