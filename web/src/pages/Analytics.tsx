import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { BreakdownOut, GroupBy } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { MoneyCell } from "../components/Money";
import { PeriodPicker } from "../components/PeriodPicker";
import { formatPercent, formatProfitFactor } from "../format";
import { range, type Period } from "../period";

const GROUPS: { value: GroupBy; label: string; key: string }[] = [
  { value: "category", label: "Category", key: "Category" },
  { value: "symbol", label: "Symbol", key: "Symbol" },
  { value: "weekday", label: "Weekday (IST, opened)", key: "Weekday" },
  { value: "hour", label: "Hour (IST, opened)", key: "Hour" },
];

export function Analytics() {
  const [groupBy, setGroupBy] = useState<GroupBy>("category");
  const [period, setPeriod] = useState<Period>({ kind: "all" });
  const query = range(period);
  const breakdown = useQuery({
    queryKey: ["breakdown", groupBy, query],
    queryFn: ({ signal }) => api<BreakdownOut>(`/v1/analytics/by-${groupBy}`, { query, signal }),
    placeholderData: keepPreviousData,
  });
  const group = GROUPS.find((item) => item.value === groupBy) ?? GROUPS[0];
  const items = breakdown.data?.items ?? [];

  return (
    <section aria-labelledby="analytics-title">
      <div className="heading">
        <h1 id="analytics-title">Analytics</h1>
        <PeriodPicker period={period} onChange={setPeriod} />
      </div>
      <label className="inline">
        Break down by
        <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as GroupBy)}>
          {GROUPS.map((item) => (
            <option key={item.value} value={item.value}>
              {item.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={breakdown.error} />
      {breakdown.isPending && <p aria-live="polite">Loading…</p>}
      {breakdown.data && items.length === 0 && (
        <p className="empty">No closed trades in this period: import a tradebook or pick another period.</p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>
              Closed trades by {group?.label.toLowerCase()}
              {breakdown.isFetching ? " · updating…" : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">{group?.key}</th>
                <th scope="col" className="num">Trades</th>
                <th scope="col" className="num">Win rate</th>
                <th scope="col" className="num">Net P&amp;L</th>
                <th scope="col" className="num">Charges</th>
                <th scope="col" className="num">Profit factor</th>
                <th scope="col" className="num">Expectancy</th>
              </tr>
            </thead>
            <tbody>
              {items.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{groupBy === "category" ? row.key.replace("_", " ") : row.key}</th>
                  <td className="num">{row.closedTrades}</td>
                  <td className="num">{formatPercent(row.winRate)}</td>
                  <MoneyCell value={row.netPnl} pnl />
                  <MoneyCell value={row.charges} />
                  <td className="num">{formatProfitFactor(row.profitFactor, row.wins, row.losses)}</td>
                  <MoneyCell value={row.expectancy} pnl />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
