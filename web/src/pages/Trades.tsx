import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useRef, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { Category, TradePage, TradeStatus } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { LoadBoundary } from "../components/LoadBoundary";
import { MoneyCell } from "../components/Money";
import { formatIst } from "../format";
import { navigate, tradePath, useTradeId } from "../router";
import { dateFilterError } from "../trade";
import {
  ariaSort,
  canSort,
  DEFAULT_SORT,
  nextSort,
  sortField,
  sortFor,
  type SortField,
  type TradeSort,
} from "../tradeSort";
import "./Trades.css";

// A trade's detail loads with its page (its chart and form are not in the initial bundle)
const TradeDetail = lazy(() => import("./TradeDetail"));

const PAGE_SIZES = [25, 50, 100] as const;

interface Filters {
  status: TradeStatus | "";
  symbol: string;
  category: Category | "";
  tag: string;
  from: string;
  to: string;
  limit: number;
}

export function Trades() {
  // The table's state lives here, above the detail: back from a trade, the filters and page are kept
  const tradeId = useTradeId();
  const [draft, setDraft] = useState<Filters>({
    status: "",
    symbol: "",
    category: "",
    tag: "",
    from: "",
    to: "",
    limit: 50,
  });
  const [invalid, setInvalid] = useState<string | null>(null);
  const [filters, setFilters] = useState<Filters>(draft);
  // The order is applied at once (a header click), kept with the applied filters
  const [sort, setSort] = useState<TradeSort>(DEFAULT_SORT);
  // Keyset paging: the cursors of the pages before this one (the API has no offsets).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useQuery({
    queryKey: ["trades", filters, sort, cursor],
    queryFn: ({ signal }) =>
      api<TradePage>("/v1/trades", {
        query: {
          status: filters.status,
          symbol: filters.symbol.trim().toUpperCase(),
          category: filters.category,
          tag: filters.tag.trim().toLowerCase(),
          from: filters.from,
          to: filters.to,
          limit: filters.limit,
          sort: sort === DEFAULT_SORT ? "" : sort,
          cursor,
        },
        signal,
      }),
    placeholderData: keepPreviousData,
    enabled: tradeId === null,
  });

  function apply(event: SyntheticEvent) {
    event.preventDefault();
    const error = dateFilterError(draft.from, draft.to);
    setInvalid(error);
    if (error) return;
    setFilters(draft);
    setSort(sortFor(draft.status, sort));
    setCursors([null]);
  }

  function sortBy(field: SortField) {
    setSort(nextSort(sort, field));
    setCursors([null]); // a cursor continues the order it was issued for: back to page 1
  }

  // Back from a trade's detail, focus returns to that trade's link in the table
  const lastTrade = useRef<string | null>(null);
  const table = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (tradeId !== null) {
      lastTrade.current = tradeId;
      return;
    }
    const last = lastTrade.current;
    if (last === null) return;
    const link = table.current?.querySelector<HTMLElement>(`a[href="${CSS.escape(tradePath(last))}"]`);
    if (!link) {
      // the rows are not there yet: try again when they are; a page without the trade: give up
      if (page.data && !page.isPlaceholderData) lastTrade.current = null;
      return;
    }
    link.focus();
    lastTrade.current = null; // once: later refetches leave the focus where the user put it
  }, [tradeId, page.data, page.isPlaceholderData]);

  if (tradeId !== null) {
    return (
      <LoadBoundary key={tradeId} what="trade">
        <Suspense fallback={<p aria-live="polite">Loading the trade…</p>}>
          <TradeDetail tradeId={tradeId} />
        </Suspense>
      </LoadBoundary>
    );
  }

  const items = page.data?.items ?? [];
  const sorting = { sort, status: filters.status, onSort: sortBy };
  const nextCursor = page.data?.nextCursor ?? null;
  return (
    <section aria-labelledby="trades-title">
      <h1 id="trades-title">Trades</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter trades">
        <label>
          Status
          <select
            value={draft.status}
            onChange={(event) => setDraft({ ...draft, status: event.target.value as Filters["status"] })}
          >
            <option value="">Any</option>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
          </select>
        </label>
        <label>
          Symbol
          <input
            value={draft.symbol}
            onChange={(event) => setDraft({ ...draft, symbol: event.target.value })}
            placeholder="e.g. INFY"
            maxLength={64}
          />
        </label>
        <label>
          Category
          <select
            value={draft.category}
            onChange={(event) => setDraft({ ...draft, category: event.target.value as Filters["category"] })}
          >
            <option value="">Any</option>
            <option value="intraday">Intraday</option>
            <option value="swing">Swing</option>
            <option value="long_term">Long term</option>
          </select>
        </label>
        <label>
          Tag
          <input
            value={draft.tag}
            onChange={(event) => setDraft({ ...draft, tag: event.target.value })}
            placeholder="e.g. breakout"
            maxLength={40}
          />
        </label>
        <label>
          Opened from
          <input
            type="date"
            value={draft.from}
            max={draft.to || undefined}
            onChange={(event) => setDraft({ ...draft, from: event.target.value })}
          />
        </label>
        <label>
          Opened to
          <input
            type="date"
            value={draft.to}
            min={draft.from || undefined}
            onChange={(event) => setDraft({ ...draft, to: event.target.value })}
          />
        </label>
        <label>
          Rows per page
          <select
            value={draft.limit}
            onChange={(event) => setDraft({ ...draft, limit: Number(event.target.value) })}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {invalid && (
        <p role="alert" className="error">
          {invalid}
        </p>
      )}
      <ErrorMessage error={page.error} />
      {page.isPending && <p aria-live="polite">Loading trades…</p>}
      {page.data && items.length === 0 && (
        <p className="empty">
          No trades match.{" "}
          <button type="button" className="link" onClick={() => navigate("/imports")}>
            Import a tradebook
          </button>{" "}
          or change the filters.
        </p>
      )}
      {items.length > 0 && (
        <div className="table-wrap" ref={table}>
          <table aria-describedby="trades-page">
            <caption id="trades-page">
              Page {cursors.length} · {items.length} trades (times in IST, +05:30)
              {page.isFetching ? " · updating…" : ""}
              {sortField(sort) === "closedAt" ? " · closed trades only" : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Side</th>
                <th scope="col">Status</th>
                <th scope="col">Category</th>
                <SortHeader field="openedAt" label="Opened (IST)" {...sorting} />
                <SortHeader field="closedAt" label="Closed (IST)" {...sorting} />
                <SortHeader field="netPnl" label="Net P&L" numeric {...sorting} />
                <th scope="col" className="num">Charges</th>
                <th scope="col" className="num">Qty</th>
                <th scope="col" className="num">Avg entry</th>
                <th scope="col" className="num">Avg exit</th>
                <th scope="col">Tags</th>
              </tr>
            </thead>
            <tbody>
              {items.map((trade) => (
                <tr key={trade.tradeId}>
                  <th scope="row">
                    <a
                      href={tradePath(trade.tradeId)}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(tradePath(trade.tradeId));
                      }}
                    >
                      {trade.symbol}
                    </a>{" "}
                    <small>{trade.exchange}</small>
                  </th>
                  <td>{trade.direction}</td>
                  <td>{trade.status}</td>
                  <td>{trade.category.replace("_", " ")}</td>
                  <td>{formatIst(trade.openedAt, true)}</td>
                  <td>{trade.closedAt ? formatIst(trade.closedAt, true) : "—"}</td>
                  <MoneyCell value={trade.netPnl} pnl />
                  <MoneyCell value={trade.charges} />
                  <td className="num">{trade.quantity}</td>
                  <MoneyCell value={trade.avgEntry} />
                  <MoneyCell value={trade.avgExit} />
                  <td>
                    {trade.tags.map((tag) => (
                      <span key={tag} className="tag">
                        {tag}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Trade pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!nextCursor || page.isFetching}
          onClick={() => {
            if (nextCursor) setCursors([...cursors, nextCursor]);
          }}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}

interface SortHeaderProps {
  field: SortField;
  label: string;
  numeric?: boolean;
  sort: TradeSort;
  status: TradeStatus | "";
  onSort: (field: SortField) => void;
}

/** A sortable column's header: a button (keyboard and screen readers), aria-sort on the sorted one. */
function SortHeader({ field, label, numeric, sort, status, onSort }: SortHeaderProps) {
  const sorted = ariaSort(sort, field);
  const allowed = canSort(status, field);
  return (
    <th scope="col" className={numeric ? "num" : undefined} aria-sort={sorted}>
      <button
        type="button"
        className="sort"
        onClick={() => onSort(field)}
        disabled={!allowed}
        title={allowed ? undefined : "Open trades have no closing time"}
      >
        {label}
        <span aria-hidden="true">{sorted === "none" ? " ↕" : sorted === "descending" ? " ↓" : " ↑"}</span>
      </button>
    </th>
  );
}
