import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { api } from "../api/client";
import type { SummaryOut, TimeseriesOut } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Figure } from "../components/Figure";
import { LoadBoundary } from "../components/LoadBoundary";
import { Money } from "../components/Money";
import { formatPercent, formatProfitFactor, signOf } from "../format";
import { PeriodPicker } from "../components/PeriodPicker";
import { formatDay, periodError, periodLabel, range, type Period } from "../period";
import { navigate } from "../router";

// The chart's code is fetched when the dashboard opens, alongside the figures, not after the day
// series arrives (the module loader shares the one request with lazy())
const loadEquityChart = () => import("../components/EquityChart");
const EquityChart = lazy(loadEquityChart);
// The heatmap comes with the day series (its chunk loads while the figures do), not in the initial bundle
const CalendarHeatmap = lazy(() => import("../components/CalendarHeatmap"));

export function Dashboard() {
  const [period, setPeriod] = useState<Period>({ kind: "all" });
  useEffect(() => {
    void loadEquityChart();
  }, []);
  const query = range(period);
  const valid = periodError(period) === null; // an invalid custom range asks the API nothing
  const summary = useQuery({
    queryKey: ["summary", query],
    queryFn: ({ signal }) => api<SummaryOut>("/v1/analytics/summary", { query, signal }),
    enabled: valid,
  });
  const series = useQuery({
    queryKey: ["timeseries", query],
    queryFn: ({ signal }) =>
      api<TimeseriesOut>("/v1/analytics/timeseries", { query: { ...query, interval: "day" }, signal }),
    enabled: valid,
  });
  const monthly = useQuery({
    queryKey: ["timeseries", query, "month"],
    queryFn: ({ signal }) =>
      api<TimeseriesOut>("/v1/analytics/timeseries", { query: { ...query, interval: "month" }, signal }),
    enabled: valid,
  });
  const data = summary.data;

  return (
    <section aria-labelledby="dashboard-title">
      <div className="heading">
        <h1 id="dashboard-title">Dashboard</h1>
        <PeriodPicker period={period} onChange={setPeriod} />
      </div>
      <ErrorMessage error={summary.error ?? series.error ?? monthly.error} />
      {valid && summary.isPending && <p aria-live="polite">Loading figures…</p>}
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
            {formatProfitFactor(data.profitFactor, data.wins, data.losses)}
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
                <Money value={data.bestDay.netPnl} pnl /> <small>{formatDay(data.bestDay.date)}</small>
              </>
            ) : (
              "—"
            )}
          </Figure>
          <Figure label="Worst day" testId="worst-day">
            {data.worstDay ? (
              <>
                <Money value={data.worstDay.netPnl} pnl /> <small>{formatDay(data.worstDay.date)}</small>
              </>
            ) : (
              "—"
            )}
          </Figure>
        </dl>
      )}
      <h2 id="heatmap-title">Daily P&amp;L · {periodLabel(period)}</h2>
      {valid && series.isPending && <p aria-live="polite">Loading daily P&amp;L…</p>}
      {series.data && series.data.items.length > 0 ? (
        <div>
          <LoadBoundary what="heatmap">
            <Suspense fallback={<p aria-live="polite">Loading the heatmap…</p>}>
              <CalendarHeatmap
                days={series.data.items}
                months={monthly.data?.items}
                from={query.from}
                to={query.to}
                bestDay={data?.bestDay}
                worstDay={data?.worstDay}
              />
            </Suspense>
          </LoadBoundary>
        </div>
      ) : (
        series.data && <p className="empty">No trading days in this period: the heatmap fills in as trades close.</p>
      )}
      <h2>Equity curve</h2>
      {series.data && series.data.items.length > 0 ? (
        <LoadBoundary what="equity curve">
          <Suspense fallback={<p>Loading chart…</p>}>
            <EquityChart items={series.data.items} />
          </Suspense>
        </LoadBoundary>
      ) : (
        series.data && <p className="empty">No closed trades to chart in this period.</p>
      )}
    </section>
  );
}
