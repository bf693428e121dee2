import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useId, useState } from "react";
import { api } from "../api/client";
import type { SummaryOut, TimeseriesOut } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Money } from "../components/Money";
import { formatPercent, formatRatio, signOf } from "../format";
import { currentFyStart, fyLabel, range, type Period } from "../period";
import { navigate } from "../router";

const EquityChart = lazy(() => import("../components/EquityChart"));

function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const id = useId();
  const thisFy = currentFyStart();
  const years = Array.from({ length: 6 }, (_, index) => thisFy - index);
  const value = period.kind === "fy" ? `fy:${period.startYear}` : period.kind;
  return (
    <div className="picker">
      <label htmlFor={`${id}-kind`}>Period</label>
      <select
        id={`${id}-kind`}
        value={value}
        onChange={(event) => {
          const chosen = event.target.value;
          if (chosen === "all") onChange({ kind: "all" });
          else if (chosen === "month") onChange({ kind: "month", month: new Date().toISOString().slice(0, 7) });
          else if (chosen === "custom") onChange({ kind: "custom", from: "", to: "" });
          else onChange({ kind: "fy", startYear: Number(chosen.slice(3)) });
        }}
      >
        <option value="all">All time</option>
        {years.map((year) => (
          <option key={year} value={`fy:${year}`}>
            {fyLabel(year)}
          </option>
        ))}
        <option value="month">A month…</option>
        <option value="custom">Custom range…</option>
      </select>
      {period.kind === "month" && (
        <>
          <label htmlFor={`${id}-month`}>Month</label>
          <input
            id={`${id}-month`}
            type="month"
            value={period.month}
            onChange={(event) => {
              if (event.target.value) onChange({ kind: "month", month: event.target.value });
            }}
          />
        </>
      )}
      {period.kind === "custom" && (
        <>
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="date"
            value={period.from}
            max={period.to || undefined}
            onChange={(event) => onChange({ ...period, from: event.target.value })}
          />
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="date"
            value={period.to}
            min={period.from || undefined}
            onChange={(event) => onChange({ ...period, to: event.target.value })}
          />
        </>
      )}
    </div>
  );
}

function Figure({ label, children, testId }: { label: string; children: React.ReactNode; testId: string }) {
  return (
    <div className="figure" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function Dashboard() {
  const [period, setPeriod] = useState<Period>({ kind: "all" });
  const query = range(period);
  const summary = useQuery({
    queryKey: ["summary", query],
    queryFn: ({ signal }) => api<SummaryOut>("/v1/analytics/summary", { query, signal }),
  });
  const series = useQuery({
    queryKey: ["timeseries", query],
    queryFn: ({ signal }) =>
      api<TimeseriesOut>("/v1/analytics/timeseries", { query: { ...query, interval: "day" }, signal }),
  });
  const data = summary.data;

  return (
    <section aria-labelledby="dashboard-title">
      <div className="heading">
        <h1 id="dashboard-title">Dashboard</h1>
        <PeriodPicker period={period} onChange={setPeriod} />
      </div>
      <ErrorMessage error={summary.error ?? series.error} />
      {summary.isPending && <p aria-live="polite">Loading figures…</p>}
      {data && data.closedTrades === 0 && data.openPositions === 0 && (
        <p className="empty">
          No trades in this period.{" "}
          <button type="button" className="link" onClick={() => navigate("/imports")}>
            Import your broker&apos;s tradebook
          </button>{" "}
          to see your P&amp;L here.
        </p>
      )}
      {data && (
        <dl className="figures">
          <Figure label="Net P&L" testId="net-pnl">
            <Money value={data.netPnl} pnl />
          </Figure>
          <Figure label="Win rate" testId="win-rate">
            {formatPercent(data.winRate)}{" "}
            <small>
              ({data.wins} W / {data.losses} L of {data.closedTrades})
            </small>
          </Figure>
          <Figure label="Profit factor" testId="profit-factor">
            {data.profitFactor === null && data.wins > 0 && data.losses === 0 ? "∞ (no losses)" : formatRatio(data.profitFactor)}
          </Figure>
          <Figure label="Expectancy per trade" testId="expectancy">
            <Money value={data.expectancy} pnl />
          </Figure>
          <Figure label="Charges" testId="charges">
            <Money value={data.charges} />
            {signOf(data.chargesEstimated) !== 0 && <small> (estimated: <Money value={data.chargesEstimated} />)</small>}
          </Figure>
          <Figure label="Max drawdown" testId="max-drawdown">
            <Money value={data.maxDrawdown} />
          </Figure>
          <Figure label="Best day" testId="best-day">
            {data.bestDay ? (
              <>
                <Money value={data.bestDay.netPnl} pnl /> <small>{data.bestDay.date}</small>
              </>
            ) : (
              "—"
            )}
          </Figure>
          <Figure label="Worst day" testId="worst-day">
            {data.worstDay ? (
              <>
                <Money value={data.worstDay.netPnl} pnl /> <small>{data.worstDay.date}</small>
              </>
            ) : (
              "—"
            )}
          </Figure>
        </dl>
      )}
      <h2>Equity curve</h2>
      {series.data && series.data.items.length > 0 ? (
        <Suspense fallback={<p>Loading chart…</p>}>
          <EquityChart items={series.data.items} />
        </Suspense>
      ) : (
        series.data && <p className="empty">No closed trades to chart in this period.</p>
      )}
    </section>
  );
}
