// A trade's price chart from its fills: the API has no candles route yet, so the line joins the
// prices the trade filled at, with a marker on each fill (▲ below the line for a buy, ▼ above for a
// sell). Times are shifted to IST for the axis (lightweight-charts draws UTC). Prices become
// floats here for drawing only; the fills table next to it shows the exact figures.
import { ColorType, createChart, createSeriesMarkers, LineSeries, type SeriesMarker, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { ExecutionOut } from "../api/types";

const IST_OFFSET_S = 19_800; // +05:30

export interface ChartPoints {
  line: { time: UTCTimestamp; value: number }[];
  markers: SeriesMarker<UTCTimestamp>[];
}

/** The line (one point a second: the last fill's price in it) and a marker per fill, in time order. */
export function chartPoints(fills: ExecutionOut[]): ChartPoints {
  const sorted = [...fills].sort((a, b) => new Date(a.executedAt).getTime() - new Date(b.executedAt).getTime());
  const bySecond = new Map<number, number>();
  const markers: SeriesMarker<UTCTimestamp>[] = [];
  for (const fill of sorted) {
    const time = (Math.floor(new Date(fill.executedAt).getTime() / 1000) + IST_OFFSET_S) as UTCTimestamp;
    const price = Number(fill.price);
    bySecond.set(time, price);
    const buy = fill.side === "BUY";
    markers.push({
      time,
      position: buy ? "belowBar" : "aboveBar",
      shape: buy ? "arrowUp" : "arrowDown",
      color: buy ? "#047857" : "#b91c1c",
      text: `${buy ? "Buy" : "Sell"} ${String(fill.quantity)} @ ${fill.price}`,
    });
  }
  const line = [...bySecond.entries()].map(([time, value]) => ({ time: time as UTCTimestamp, value }));
  return { line, markers };
}

export default function PriceChart({ fills, label }: { fills: ExecutionOut[]; label: string }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = createChart(element, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "#ffffff" }, textColor: "#1f2937" },
      grid: { vertLines: { color: "#eef0f3" }, horzLines: { color: "#eef0f3" } },
      timeScale: { borderColor: "#d1d5db", timeVisible: true, secondsVisible: false },
      localization: { locale: "en-IN", priceFormatter: (price: number) => `₹${price.toFixed(2)}` },
    });
    const { line, markers } = chartPoints(fills);
    const series = chart.addSeries(LineSeries, {
      color: "#1d4ed8",
      lineWidth: 2,
      title: "Fill price",
      pointMarkersVisible: true,
    });
    series.setData(line);
    createSeriesMarkers(series, markers);
    chart.timeScale().fitContent();
    return () => {
      chart.remove();
    };
  }, [fills]);

  return <div ref={container} className="chart" role="img" aria-label={label} data-testid="price-chart" />;
}
