// The equity curve (cumulative net P&L) and drawdown per day, drawn by TradingView's
// lightweight-charts. The chart needs numbers to plot: the decimal strings become floats here for
// drawing only; every figure shown as text comes from the strings themselves.
import { ColorType, createChart, LineSeries } from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { PeriodOut } from "../api/types";

export default function EquityChart({ items }: { items: PeriodOut[] }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = createChart(element, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "#ffffff" }, textColor: "#1f2937" },
      grid: { vertLines: { color: "#eef0f3" }, horzLines: { color: "#eef0f3" } },
      timeScale: { borderColor: "#d1d5db" },
      localization: { locale: "en-IN", priceFormatter: (price: number) => `₹${price.toFixed(2)}` },
    });
    const equity = chart.addSeries(LineSeries, { color: "#1d4ed8", lineWidth: 2, title: "Equity" });
    const drawdown = chart.addSeries(LineSeries, { color: "#b91c1c", lineWidth: 1, title: "Drawdown" });
    equity.setData(items.map((item) => ({ time: item.period, value: Number(item.cumulativePnl) })));
    drawdown.setData(items.map((item) => ({ time: item.period, value: -Math.abs(Number(item.drawdown)) })));
    chart.timeScale().fitContent();
    return () => {
      chart.remove();
    };
  }, [items]);

  return <div ref={container} className="chart" role="img" aria-label="Equity curve and drawdown by day" />;
}
