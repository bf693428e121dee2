// The trades table's order: one of the sorts GET /v1/trades?sort= offers (docs/analytics.md).
import type { TradeStatus } from "./api/types";

export type SortField = "openedAt" | "closedAt" | "netPnl";
export type TradeSort = SortField | `-${SortField}`;

export const DEFAULT_SORT: TradeSort = "-openedAt";

export function sortField(sort: TradeSort): SortField {
  return (sort.startsWith("-") ? sort.slice(1) : sort) as SortField;
}

export function isDescending(sort: TradeSort): boolean {
  return sort.startsWith("-");
}

/** A header clicked: the same column flips its direction; another column starts descending
 * (newest, latest closed, biggest P&L first). */
export function nextSort(current: TradeSort, field: SortField): TradeSort {
  if (sortField(current) === field) return isDescending(current) ? field : `-${field}`;
  return `-${field}`;
}

/** The header's aria-sort: only the sorted column says its direction. */
export function ariaSort(current: TradeSort, field: SortField): "ascending" | "descending" | "none" {
  if (sortField(current) !== field) return "none";
  return isDescending(current) ? "descending" : "ascending";
}

/** Open trades have no closing time: the API lists closed trades only when sorting by it, and
 * refuses status=open with it. A filter change to open trades falls back to the default order. */
export function sortFor(status: TradeStatus | "", sort: TradeSort): TradeSort {
  return status === "open" && sortField(sort) === "closedAt" ? DEFAULT_SORT : sort;
}

export function canSort(status: TradeStatus | "", field: SortField): boolean {
  return !(status === "open" && field === "closedAt");
}
