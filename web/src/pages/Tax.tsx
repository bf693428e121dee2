import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import "./quality.css";
import { useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { DataQualityOut, TaxBucketOut, TaxHeadOut, TaxPnlOut } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Money, MoneyCell } from "../components/Money";
import { formatIst } from "../format";
import { currentFyStart, fyLabel } from "../period";
import { fyParam, priceError } from "../quality/validate";
import { navigate } from "../router";

// Tax P&L per financial year (GET /v1/analytics/tax-pnl?fy=2024-25; docs/journal-rules.md "Sales and
// tax"): each sale under the head of the lot it consumed. Figures are the API's, shown as they are.

const HEADS: { key: "speculative" | "nonSpeculative" | "stcg" | "ltcg"; label: string; note: string }[] = [
  { key: "speculative", label: "Speculative business", note: "intraday equity (s.43(5))" },
  { key: "nonSpeculative", label: "Non-speculative business", note: "futures and options; turnover per ICAI" },
  { key: "stcg", label: "Short-term capital gains", note: "delivery equity held ≤ 12 months (s.111A)" },
  { key: "ltcg", label: "Long-term capital gains", note: "delivery equity held > 12 months (s.112A)" },
];

const BUCKETS: Record<string, string> = {
  before_2024_07_23: "Sales before 23 Jul 2024",
  from_2024_07_23: "Sales from 23 Jul 2024",
};

const SALES_SHOWN = 100;

/** The FY in the address (?fy=2024-25), so a link or a reload opens the same year; else the current one. */
function yearFromUrl(): number {
  const match = /^(\d{4})-\d{2}$/.exec(new URLSearchParams(window.location.search).get("fy") ?? "");
  const year = match ? Number(match[1]) : Number.NaN;
  return year >= 2000 && year <= currentFyStart() ? year : currentFyStart();
}

export function Tax() {
  const [startYear, setYear] = useState(yearFromUrl);
  function setStartYear(year: number) {
    setYear(year);
    window.history.replaceState(null, "", `${window.location.pathname}?fy=${fyParam(year)}`);
  }
  const [showAll, setShowAll] = useState(false);
  const fy = fyParam(startYear);
  const tax = useQuery({
    queryKey: ["tax-pnl", fy],
    queryFn: ({ signal }) => api<TaxPnlOut>("/v1/analytics/tax-pnl", { query: { fy }, signal }),
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
  const quality = useQuery({
    queryKey: ["data-quality"],
    queryFn: ({ signal }) => api<DataQualityOut>("/v1/data-quality", { signal }),
    staleTime: 0, // read again on every visit: an import or a sync elsewhere changes it
  });
  const years = Array.from({ length: 8 }, (_, index) => currentFyStart() - index);
  const data = tax.data;
  // the year the figures on screen are of (the previous year's stay while the next one loads)
  const shownYear = data ? Number(data.fy.slice(0, 4)) || startYear : startYear;
  const sales = data ? (showAll ? data.items : data.items.slice(0, SALES_SHOWN)) : [];
  const issues = (quality.data?.counts.unmatchedExits ?? 0) + (quality.data?.counts.expiredContracts ?? 0);

  return (
    <section aria-labelledby="tax-title">
      <div className="heading">
        <h1 id="tax-title">Tax P&amp;L</h1>
        <div className="inline-controls">
          <button type="button" aria-label="Previous financial year" onClick={() => setStartYear(startYear - 1)}>
            ‹
          </button>
          <label className="inline">
            Financial year
            <select value={startYear} onChange={(event) => setStartYear(Number(event.target.value))}>
              {(years.includes(startYear) ? years : [startYear, ...years]).map((year) => (
                <option key={year} value={year}>
                  {fyLabel(year)}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            aria-label="Next financial year"
            disabled={startYear >= currentFyStart()}
            onClick={() => setStartYear(startYear + 1)}
          >
            ›
          </button>
        </div>
      </div>
      {issues > 0 && (
        <p className="notice" data-testid="quality-notice">
          {issues} data-quality {issues === 1 ? "item leaves" : "items leave"} sales out of these figures (sells
          without a buy, expired contracts without a price).{" "}
          <button type="button" className="link" onClick={() => navigate("/data-quality")}>
            Resolve them
          </button>
        </p>
      )}
      <ErrorMessage error={tax.error} />
      {tax.isPending && <p aria-live="polite">Loading the tax P&amp;L…</p>}
      {data && (
        <>
          <div className="table-wrap">
            <table data-testid="tax-heads">
              <caption>
                {fyLabel(shownYear)} by head (1 Apr {shownYear} – 31 Mar {shownYear + 1}){tax.isFetching ? " · updating…" : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Head</th>
                  <th scope="col" className="num">Gross P&amp;L</th>
                  <th scope="col" className="num">Charges</th>
                  <th scope="col" className="num">Net P&amp;L</th>
                  <th scope="col" className="num">Turnover</th>
                  <th scope="col" className="num">Trades</th>
                </tr>
              </thead>
              <tbody>
                {HEADS.map((head) => (
                  <HeadRow key={head.key} label={head.label} note={head.note} head={data[head.key]} id={head.key} />
                ))}
              </tbody>
            </table>
          </div>
          <Buckets title="Short-term capital gains by rate" buckets={data.stcgBuckets} />
          <Buckets title="Long-term capital gains by rate" buckets={data.ltcgBuckets} />
          {data.ltcgExemption !== null && (
            <p className="muted">
              LTCG exemption for the year (s.112A, on the aggregate): <Money value={data.ltcgExemption} />
            </p>
          )}
          {data.needsFmv.length > 0 && <FmvForms fy={fy} needs={data.needsFmv} />}
          {data.items.length === 0 ? (
            <p className="empty">
              No sales in {fyLabel(shownYear)}. Pick another year, or{" "}
              <button type="button" className="link" onClick={() => navigate("/imports")}>
                import a tradebook
              </button>
              .
            </p>
          ) : (
            <div className="table-wrap">
              <table data-testid="tax-sales">
                <caption>
                  Sales in {fyLabel(shownYear)}
                  {data.items.length > sales.length ? ` (first ${String(sales.length)} of ${String(data.items.length)})` : ""}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Sold (IST)</th>
                    <th scope="col">Symbol</th>
                    <th scope="col">Head</th>
                    <th scope="col" className="num">Units</th>
                    <th scope="col" className="num">Held (days)</th>
                    <th scope="col" className="num">Cost</th>
                    <th scope="col" className="num">Sale value</th>
                    <th scope="col" className="num">Net P&amp;L</th>
                  </tr>
                </thead>
                <tbody>
                  {sales.map((row, index) => (
                    <tr key={`${row.tradeId}:${row.closedAt}:${String(index)}`}>
                      <td>{formatIst(row.closedAt)}</td>
                      <th scope="row">{row.symbol}</th>
                      <td>
                        {HEADS.find((head) => head.key === (row.head === "non_speculative" ? "nonSpeculative" : row.head))?.label}
                        {row.grandfathered && <small> (grandfathered)</small>}
                      </td>
                      <td className="num">{row.quantity}</td>
                      <td className="num">{row.holdingDays}</td>
                      <MoneyCell value={row.cost} />
                      <MoneyCell value={row.sellValue} />
                      <MoneyCell value={row.netPnl} pnl />
                    </tr>
                  ))}
                </tbody>
              </table>
              {data.items.length > SALES_SHOWN && (
                <button type="button" onClick={() => setShowAll(!showAll)}>
                  {showAll ? `Show the first ${String(SALES_SHOWN)}` : `Show all ${String(data.items.length)} sales`}
                </button>
              )}
            </div>
          )}
          <p className="muted">
            Computed {formatIst(data.computedAt)}
            {data.cached ? " (cached)" : ""}. Not tax advice: check these with your tax adviser.
          </p>
        </>
      )}
    </section>
  );
}

function HeadRow({ label, note, head, id }: { label: string; note: string; head: TaxHeadOut; id: string }) {
  return (
    <tr data-head={id}>
      <th scope="row">
        {label} <small className="muted">{note}</small>
      </th>
      <MoneyCell value={head.realizedPnl} pnl />
      <MoneyCell value={head.charges} />
      <MoneyCell value={head.netPnl} pnl />
      <MoneyCell value={head.turnover} />
      <td className="num">{head.trades}</td>
    </tr>
  );
}

function Buckets({ title, buckets }: { title: string; buckets: TaxBucketOut[] }) {
  if (buckets.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col" className="num">Rate</th>
            <th scope="col" className="num">Gross</th>
            <th scope="col" className="num">Charges</th>
            <th scope="col" className="num">Net</th>
            <th scope="col" className="num">Sales</th>
          </tr>
        </thead>
        <tbody>
          {buckets.map((bucket) => (
            <tr key={bucket.bucket}>
              <th scope="row">{BUCKETS[bucket.bucket] ?? bucket.bucket}</th>
              <td className="num">{bucket.rate}%</td>
              <MoneyCell value={bucket.realizedPnl} pnl />
              <MoneyCell value={bucket.charges} />
              <MoneyCell value={bucket.netPnl} pnl />
              <td className="num">{bucket.sales}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Shares bought before 1 Feb 2018 sold as LTCG: their 31 Jan 2018 FMV (PUT /v1/analytics/fmv/{isin}). */
function FmvForms({ fy, needs }: { fy: string; needs: TaxPnlOut["needsFmv"] }) {
  return (
    <section aria-labelledby="fmv-title" className="notice">
      <h2 id="fmv-title">Grandfathering: fair market value of 31 Jan 2018 needed</h2>
      <p>These shares were bought before 1 Feb 2018; until their FMV is entered their actual cost is used.</p>
      <ul className="plain">
        {needs.map((need) => (
          <li key={need.isin ?? need.symbol}>
            {need.isin ? <FmvForm fy={fy} isin={need.isin} symbol={need.symbol} /> : `${need.symbol}: no ISIN known, so no FMV can be entered.`}
          </li>
        ))}
      </ul>
    </section>
  );
}

function FmvForm({ fy, isin, symbol }: { fy: string; isin: string; symbol: string }) {
  const client = useQueryClient();
  const [price, setPrice] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => api(`/v1/analytics/fmv/${encodeURIComponent(isin)}`, { method: "PUT", body: { price: price.trim() } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["tax-pnl", fy] }),
  });
  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const error = priceError(price);
    setProblem(error);
    if (!error) save.mutate();
  }
  const inputId = `fmv-${isin}`;
  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <label htmlFor={inputId}>
        {symbol} ({isin}): FMV on 31 Jan 2018, ₹ per share
      </label>
      <input id={inputId} inputMode="decimal" value={price} onChange={(event) => setPrice(event.target.value)} aria-invalid={problem !== null} />
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save FMV"}
      </button>
      {problem && (
        <span role="alert" className="error">
          {problem}
        </span>
      )}
      <ErrorMessage error={save.error} />
    </form>
  );
}
