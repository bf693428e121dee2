// One trade: its figures, fills (GET /v1/executions, matched by the trade's executionIds), charges
// with the estimated flag, holding time, a price chart of its fills, and the trader's annotations
// (notes, tags, strategy, category override) saved with PATCH /v1/trades/{tradeId}: the page shows
// the change at once (optimistic), says "Saving…"/"Saved", and on an error puts the trade back and
// keeps what was typed, with the API's message.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useId, useRef, useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../api/client";
import type { ExecutionOut, ExecutionPage, PatchTradeRequest, TradeOut } from "../api/types";
import { Screenshots } from "../attachments/Screenshots";
import { ErrorMessage } from "../components/ErrorMessage";
import { Figure } from "../components/Figure";
import { LoadBoundary } from "../components/LoadBoundary";
import { Money, MoneyCell } from "../components/Money";
import { formatIst } from "../format";
import { navigate } from "../router";
import {
  applyPatch,
  chargesEstimated,
  draftOf,
  fillsQuery,
  holdingText,
  MAX_NOTES,
  MAX_STRATEGY,
  parseTags,
  tradeFills,
  validateAnnotations,
  type AnnotationDraft,
  type CategoryChoice,
} from "../trade";
import "./TradeDetail.css";

const PriceChart = lazy(() => import("../components/PriceChart"));

const MAX_FILL_PAGES = 10; // 10 × 500 executions of the symbol over the trade's days

async function loadFills(trade: TradeOut, signal: AbortSignal): Promise<ExecutionOut[]> {
  const wanted = new Set(trade.executionIds);
  const found: ExecutionOut[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_FILL_PAGES; page += 1) {
    const result: ExecutionPage = await api<ExecutionPage>("/v1/executions", {
      query: { ...fillsQuery(trade), limit: 500, cursor },
      signal,
    });
    found.push(...result.items.filter((item) => wanted.has(item.executionId)));
    cursor = result.nextCursor;
    if (!cursor || found.length >= wanted.size) break;
  }
  return tradeFills(trade, found);
}

const CATEGORY_NAMES: Record<TradeOut["category"], string> = {
  intraday: "Intraday",
  swing: "Swing",
  long_term: "Long term",
};

type SaveState = { status: "idle" } | { status: "saving" } | { status: "saved"; at: Date } | { status: "failed" };

function AnnotationForm({ trade, tradeKey }: { trade: TradeOut; tradeKey: readonly unknown[] }) {
  const id = useId();
  const client = useQueryClient();
  const [draft, setDraft] = useState<AnnotationDraft | null>(null);
  const submitted = useRef<AnnotationDraft | null>(null); // the draft being saved
  const [state, setState] = useState<SaveState>({ status: "idle" });
  const form = draft ?? draftOf(trade);
  const { errors, patch } = validateAnnotations(form, trade);
  const changed = Object.keys(patch).length > 0;
  const invalid = Object.keys(errors).length > 0;

  const save = useMutation({
    mutationFn: (body: PatchTradeRequest) =>
      api<TradeOut>(`/v1/trades/${encodeURIComponent(trade.tradeId)}`, { method: "PATCH", body }),
    onMutate: async (body) => {
      setState({ status: "saving" });
      await client.cancelQueries({ queryKey: tradeKey });
      const previous = client.getQueryData<TradeOut>(tradeKey);
      if (previous) client.setQueryData(tradeKey, applyPatch(previous, body));
      return { previous };
    },
    onError: (_error, _body, context) => {
      if (context?.previous) client.setQueryData(tradeKey, context.previous);
      setState({ status: "failed" });
    },
    onSuccess: (saved, body) => {
      client.setQueryData(tradeKey, saved);
      // the form follows the saved trade again, unless it was edited further while saving
      setDraft((current) => (current === submitted.current ? null : current));
      setState({ status: "saved", at: new Date() });
      // the list shows category and P&L; a category change moves the analytics too
      void client.invalidateQueries({ queryKey: ["trades"], predicate: (query) => query.queryKey[1] !== "detail" });
      if (body.category !== undefined) {
        for (const key of ["summary", "timeseries", "breakdown"]) void client.invalidateQueries({ queryKey: [key] });
      }
    },
  });

  // Unsaved edits: leaving or reloading the page asks first
  useEffect(() => {
    if (!changed) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [changed]);

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (invalid || !changed || save.isPending) return;
    submitted.current = draft;
    save.mutate(patch);
  }

  function edit(change: Partial<AnnotationDraft>) {
    setDraft({ ...form, ...change });
    if (state.status === "saved") setState({ status: "idle" });
  }

  const tags = parseTags(form.tags);
  return (
    <form className="annotate" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Notes, tags and strategy</h2>
      <label htmlFor={`${id}-notes`}>Notes</label>
      <textarea
        id={`${id}-notes`}
        value={form.notes}
        rows={5}
        onChange={(event) => edit({ notes: event.target.value })}
        aria-invalid={errors.notes ? true : undefined}
        aria-describedby={`${id}-notes-help`}
      />
      <small id={`${id}-notes-help`} className={errors.notes ? "error small" : "muted small"}>
        {errors.notes ?? `${form.notes.length.toLocaleString("en-IN")} / ${MAX_NOTES.toLocaleString("en-IN")} characters`}
      </small>
      <label htmlFor={`${id}-tags`}>Tags</label>
      <input
        id={`${id}-tags`}
        value={form.tags}
        onChange={(event) => edit({ tags: event.target.value })}
        placeholder="e.g. breakout, gap-up"
        aria-invalid={errors.tags ? true : undefined}
        aria-describedby={`${id}-tags-help`}
      />
      <small id={`${id}-tags-help`} className={errors.tags ? "error small" : "muted small"}>
        {errors.tags ?? "Separate tags with commas; they are saved in lower case."}
      </small>
      {tags.length > 0 && (
        <ul className="chips" aria-label="Tags as they will be saved">
          {tags.map((tag) => (
            <li key={tag}>{tag}</li>
          ))}
        </ul>
      )}
      <label htmlFor={`${id}-strategy`}>Strategy</label>
      <input
        id={`${id}-strategy`}
        value={form.strategy}
        maxLength={MAX_STRATEGY + 20}
        onChange={(event) => edit({ strategy: event.target.value })}
        placeholder="e.g. Opening range breakout"
        aria-invalid={errors.strategy ? true : undefined}
        aria-describedby={`${id}-strategy-help`}
      />
      <small id={`${id}-strategy-help`} className={errors.strategy ? "error small" : "muted small"}>
        {errors.strategy ?? `Up to ${String(MAX_STRATEGY)} characters; empty clears it.`}
      </small>
      <label htmlFor={`${id}-category`}>Category</label>
      <select
        id={`${id}-category`}
        value={form.category}
        onChange={(event) => edit({ category: event.target.value as CategoryChoice })}
        aria-describedby={`${id}-category-help`}
      >
        {Object.entries(CATEGORY_NAMES).map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
        <option value="auto">Automatic (from product and holding time)</option>
      </select>
      <small id={`${id}-category-help`} className="muted small">
        Override how this trade is counted in analytics and tax heads; Automatic removes an override.
      </small>
      <div className="actions">
        <button type="submit" disabled={!changed || save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={draft === null || save.isPending}
          onClick={() => {
            setDraft(null);
                  setState({ status: "idle" });
          }}
        >
          Discard changes
        </button>
        <span role="status" className="save-state" data-testid="save-state">
          {state.status === "saving" && "Saving…"}
          {state.status === "saved" && `Saved at ${formatIst(state.at.toISOString())}`}
          {state.status === "idle" && changed && "Unsaved changes"}
        </span>
      </div>
      {state.status === "failed" && (
        <>
          <ErrorMessage error={save.error} />
          <p className="muted small">Not saved: the trade is as it was; your edits are still in the form.</p>
        </>
      )}
    </form>
  );
}

export default function TradeDetail({ tradeId }: { tradeId: string }) {
  const tradeKey = ["trades", "detail", tradeId] as const;
  const heading = useRef<HTMLHeadingElement>(null);
  const trade = useQuery({
    queryKey: tradeKey,
    queryFn: ({ signal }) => api<TradeOut>(`/v1/trades/${encodeURIComponent(tradeId)}`, { signal }),
    retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status < 500),
  });
  const data = trade.data;
  const fills = useQuery({
    queryKey: ["trades", "fills", tradeId, data?.executionIds.join(",") ?? ""],
    queryFn: ({ signal }) => (data ? loadFills(data, signal) : Promise.resolve([])),
    enabled: data !== undefined,
  });

  // The detail is a page of its own: its title, and focus on its heading once the trade is there
  const symbol = data?.symbol;
  useEffect(() => {
    if (!symbol) return;
    document.title = `${symbol} trade · TradeTrack`;
    heading.current?.focus();
  }, [symbol]);

  const back = (
    <a
      href="/trades"
      className="back"
      onClick={(event) => {
        event.preventDefault();
        navigate("/trades");
      }}
    >
      ← All trades
    </a>
  );

  if (!data) {
    return (
      <section aria-labelledby="trade-title">
        {back}
        <h1 id="trade-title">Trade</h1>
        {trade.isPending && <p aria-live="polite">Loading the trade…</p>}
        <ErrorMessage error={trade.error} />
      </section>
    );
  }

  const fillList = fills.data ?? [];
  const estimated = chargesEstimated(fillList);
  const missing = fills.data ? data.executionIds.length - fillList.length : 0;
  return (
    <section aria-labelledby="trade-title" className="trade-detail">
      {back}
      <h1 id="trade-title" tabIndex={-1} ref={heading}>
        {data.symbol} <small>{data.exchange}</small> · {data.direction === "LONG" ? "Long" : "Short"} ·{" "}
        {data.status === "open" ? "Open" : "Closed"}
      </h1>
      <dl className="figures">
        <Figure label="Net P&L" testId="trade-net-pnl">
          <Money value={data.netPnl} pnl />
        </Figure>
        <Figure label="Gross P&L (before charges)">
          <Money value={data.realizedPnl} pnl />
        </Figure>
        <Figure label="Charges" testId="trade-charges">
          <Money value={data.charges} />{" "}
          {estimated && (
            <span className="badge" title="The broker gave no fees for some fills: the charges are estimated">
              estimated
            </span>
          )}
        </Figure>
        <Figure label="Holding time" testId="holding-time">
          {holdingText(data.openedAt, data.closedAt)}
          {data.status === "open" && <small> so far</small>}
        </Figure>
        <Figure label="Quantity">
          {data.quantity}
          {data.openQuantity > 0 && <small> ({data.openQuantity} open)</small>}
        </Figure>
        <Figure label="Average entry / exit">
          <Money value={data.avgEntry} /> / <Money value={data.avgExit} />
        </Figure>
        <Figure label="Opened">
          <span className="when">{formatIst(data.openedAt)}</span>
        </Figure>
        <Figure label="Closed">
          <span className="when">{formatIst(data.closedAt)}</span>
        </Figure>
        <Figure label="Category" testId="trade-category">
          {CATEGORY_NAMES[data.category]}
        </Figure>
        <Figure label="Account">{data.accountId}</Figure>
      </dl>

      <div className="detail-columns">
        <div>
          <h2 id="fills-title">Fills</h2>
          <ErrorMessage error={fills.error} />
          {fills.isPending && <p aria-live="polite">Loading fills…</p>}
          {fills.data && fillList.length === 0 && (
            <p className="empty">No fills found for this trade (they may have been deleted).</p>
          )}
          {fillList.length > 0 && (
            <div className="table-wrap">
              <table aria-labelledby="fills-title" data-testid="fills">
                <thead>
                  <tr>
                    <th scope="col">Time (IST, +05:30)</th>
                    <th scope="col">Side</th>
                    <th scope="col" className="num">Qty</th>
                    <th scope="col" className="num">Price</th>
                    <th scope="col" className="num">Fees</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {fillList.map((fill) => (
                    <tr key={fill.executionId}>
                      <th scope="row">{formatIst(fill.executedAt, true)}</th>
                      <td>{fill.side === "BUY" ? "Buy" : "Sell"}</td>
                      <td className="num">{fill.quantity}</td>
                      <MoneyCell value={fill.price} />
                      <td className="num">
                        {fill.feesGiven ? <Money value={fill.fees} /> : <span className="badge">not given: estimated</span>}
                      </td>
                      <td>{fill.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {missing > 0 && (
            <p className="notice">
              {missing} of the trade&apos;s {data.executionIds.length} fills were not found.
            </p>
          )}
          <h2>Price chart</h2>
          <p className="muted small">
            Candles are not available from the API yet: the line joins this trade&apos;s fill prices, with a
            marker on each fill (▲ buy, ▼ sell). The fills table above has the exact figures.
          </p>
          {fillList.length > 0 && (
            <LoadBoundary what="price chart">
              <Suspense fallback={<p>Loading chart…</p>}>
                <PriceChart
                  fills={fillList}
                  label={`${data.symbol} fill prices: ${String(fillList.length)} fills from ${formatIst(fillList[0]?.executedAt)}`}
                />
              </Suspense>
            </LoadBoundary>
          )}
        </div>
        <div>
          <AnnotationForm key={data.tradeId} trade={data} tradeKey={tradeKey} />
          <Screenshots key={`shots-${data.tradeId}`} tradeId={data.tradeId} />
        </div>
      </div>
    </section>
  );
}
