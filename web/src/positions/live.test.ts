import { describe, expect, it } from "vitest";
import type { PortfolioOut, PositionOut } from "../api/types";
import { formatAge, fromScaled, markKey, markPosition, portfolioTotals, quotesOf, STALE_AFTER_S, symbolsOf, toScaled, type LiveQuote } from "./live";

function position(overrides: Partial<PositionOut> = {}): PositionOut {
  return {
    symbol: "TATAMOTORS",
    exchange: "NSE",
    segment: "EQ",
    accountId: "import",
    quantity: 25,
    avgPrice: "995.4",
    lastPrice: "1000",
    lastPriceStale: false,
    lastPriceAgeS: 10,
    unrealizedPnl: "115",
    dayChange: "50",
    ...overrides,
  };
}

function quote(ltp: string, overrides: Partial<LiveQuote> = {}): LiveQuote {
  return { symbol: "NSE:TATAMOTORS", ltp, change: "3.1", ts: null, receivedAt: 1_000_000, ...overrides };
}

describe("scaled money", () => {
  it("reads and writes decimal strings exactly, past float's range", () => {
    // Given amounts floats cannot hold exactly
    // When they go through the scaled integers and back
    // Then nothing is lost
    expect(fromScaled(toScaled("123456789012345.6789") ?? 0n)).toBe("123456789012345.6789");
    expect(fromScaled(toScaled("0.1") ?? 0n)).toBe("0.1");
    expect(fromScaled(toScaled("-12.50") ?? 0n)).toBe("-12.5");
    expect(fromScaled(toScaled("10") ?? 0n)).toBe("10");
    expect(toScaled("1e5")).toBeNull();
    expect(toScaled(null)).toBeNull();
  });
});

describe("markPosition", () => {
  it("moves unrealised P&L by (live − read price) × quantity, exactly", () => {
    // Given a position read at ₹1000 with ₹115 unrealised, 25 units
    // When a tick of ₹1000.15 arrives
    const mark = markPosition(position(), quote("1000.15"), 0, 1_000_000);
    // Then P&L is 115 + 0.15 × 25 = 118.75 (0.1 + 0.05 would not be exact as floats)
    expect(mark.unrealizedPnl).toBe("118.75");
    expect(mark.lastPrice).toBe("1000.15");
    expect(mark.dayChange).toBe("77.5"); // 3.1 × 25
    expect(mark).toMatchObject({ live: true, stale: false, ageS: 0, pnlAsRead: false });
  });

  it("works for a short position (negative quantity)", () => {
    const mark = markPosition(position({ quantity: -10, unrealizedPnl: "-20" }), quote("1002"), 0, 1_000_000);
    expect(mark.unrealizedPnl).toBe("-40"); // -20 + 2 × -10
  });

  it("marks a live price stale when no tick came for more than 90 s", () => {
    const fresh = markPosition(position(), quote("1001"), 0, 1_000_000 + STALE_AFTER_S * 1000);
    const old = markPosition(position(), quote("1001"), 0, 1_000_000 + (STALE_AFTER_S + 1) * 1000);
    expect(fresh.stale).toBe(false);
    expect(old).toMatchObject({ stale: true, ageS: STALE_AFTER_S + 1 });
  });

  it("without a live quote, keeps the API's figures and ages them from the read", () => {
    // Given the API read 10 s old 85 s ago
    const mark = markPosition(position(), undefined, 0, 85_000);
    // Then it is 95 s old: stale
    expect(mark).toMatchObject({ lastPrice: "1000", unrealizedPnl: "115", ageS: 95, stale: true, live: false });
    expect(markPosition(position({ lastPriceAgeS: null }), undefined, 0, 0)).toMatchObject({ ageS: null, stale: true });
  });

  it("keeps the API's P&L for lot-sized contracts (MCX), whose multiplier it does not know", () => {
    const gold = position({ symbol: "GOLDM24MAYFUT", exchange: "MCX", quantity: 1, unrealizedPnl: "500" });
    const mark = markPosition(gold, quote("70200", { symbol: "MCX:GOLDM24MAYFUT" }), 0, 1_000_000);
    expect(mark).toMatchObject({ lastPrice: "70200", unrealizedPnl: "500", pnlAsRead: true, live: true });
  });
});

describe("quotesOf", () => {
  it("reads a pushed tick and a subscribe reply's snapshot, skipping malformed quotes", () => {
    const tick = quotesOf({ type: "quote", symbol: "nse:infy", ltp: "1500.5", change: "-2", ts: "2024-04-01T10:00:00+05:30" }, 5);
    expect(tick).toEqual([{ symbol: "NSE:INFY", ltp: "1500.5", change: "-2", ts: "2024-04-01T10:00:00+05:30", receivedAt: 5 }]);
    const now = Date.parse("2024-04-02T10:00:00+05:30");
    const snapshot = quotesOf(
      { type: "subscribed", symbols: [], quotes: [{ symbol: "NSE:INFY", ltp: "1", ts: "2024-04-01T15:30:00+05:30" }, { symbol: "NSE:X", ltp: 3 }] },
      now,
    );
    // the snapshot counts from when it was quoted (the last close), not from now
    expect(snapshot).toHaveLength(1);
    expect(now - (snapshot[0]?.receivedAt ?? 0)).toBe(18.5 * 3600 * 1000);
    expect(quotesOf({ type: "pong" }, 1)).toEqual([]);
  });
});

describe("symbolsOf and formatAge", () => {
  it("subscribes each EXCHANGE:SYMBOL once, sorted", () => {
    expect(symbolsOf([position(), position({ accountId: "other" }), position({ symbol: "INFY" })])).toEqual(["NSE:INFY", "NSE:TATAMOTORS"]);
  });
  it("says ages in words", () => {
    expect([formatAge(null), formatAge(5), formatAge(600), formatAge(7500), formatAge(200_000)]).toEqual(["no quote", "5 s", "10 min", "2 h 5 min", "2 d"]);
  });
});

describe("portfolioTotals", () => {
  it("values holdings at live prices with the API's invested amount", () => {
    const holding = { ...position(), invested: "24885", currentValue: "25000" };
    const portfolio: PortfolioOut = {
      holdings: [holding],
      totalInvested: "24885",
      totalValue: "25000",
      unrealizedPnl: "115",
      dayChange: "50",
      lastPriceStale: false,
      lastPriceAgeS: 10,
    };
    const marks = new Map([[markKey(holding), markPosition(holding, quote("1000.15"), 0, 1_000_000)]]);
    expect(portfolioTotals(portfolio, marks)).toEqual({
      totalInvested: "24885",
      totalValue: "25003.75",
      unrealizedPnl: "118.75",
      dayChange: "77.5",
      stale: false,
    });
    // without marks: the API's own figures
    expect(portfolioTotals(portfolio, new Map())).toMatchObject({ totalValue: "25000", unrealizedPnl: "115", dayChange: "50" });
  });
});
