import { describe, expect, it } from "vitest";
import type { ExecutionOut } from "../api/types";
import { chartPoints } from "./PriceChart";

function fill(executionId: string, side: "BUY" | "SELL", executedAt: string, price: string): ExecutionOut {
  return {
    executionId,
    accountId: "acc",
    source: "import",
    externalId: executionId,
    symbol: "INFY",
    exchange: "NSE",
    segment: "EQ",
    side,
    quantity: 5,
    price,
    fees: "0",
    feesGiven: true,
    executedAt,
  };
}

describe("price chart points", () => {
  it("draws the fills in time order on an IST axis, one point a second, a marker per fill", () => {
    // Given a sell and two buys in the same second, out of order
    const fills = [
      fill("s", "SELL", "2024-04-05T13:48:00+05:30", "135.25"),
      fill("b1", "BUY", "2024-04-05T11:20:00+05:30", "120.50"),
      fill("b2", "BUY", "2024-04-05T11:20:00.400+05:30", "120.75"),
    ];
    const { line, markers } = chartPoints(fills);
    // Then the axis time is the IST wall clock (11:20 IST drawn as 11:20 "UTC")
    const elevenTwenty = Date.UTC(2024, 3, 5, 11, 20) / 1000;
    // and the line has one point for the second of the two buys (the later price), then the sell
    expect(line).toEqual([
      { time: elevenTwenty, value: 120.75 },
      { time: Date.UTC(2024, 3, 5, 13, 48) / 1000, value: 135.25 },
    ]);
    // with a marker for every fill: buys below the line pointing up, the sell above pointing down
    expect(markers.map((marker) => [marker.time, marker.shape, marker.position, marker.text])).toEqual([
      [elevenTwenty, "arrowUp", "belowBar", "Buy 5 @ 120.50"],
      [elevenTwenty, "arrowUp", "belowBar", "Buy 5 @ 120.75"],
      [Date.UTC(2024, 3, 5, 13, 48) / 1000, "arrowDown", "aboveBar", "Sell 5 @ 135.25"],
    ]);
  });
});
