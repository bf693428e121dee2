import { describe, expect, it } from "vitest";
import type { ExecutionOut, TradeOut } from "./api/types";
import {
  applyPatch,
  chargesEstimated,
  dateFilterError,
  draftOf,
  fillsQuery,
  holdingText,
  MAX_NOTES,
  parseTags,
  tradeFills,
  validateAnnotations,
} from "./trade";

function trade(overrides: Partial<TradeOut> = {}): TradeOut {
  return {
    tradeId: "t1",
    accountId: "acc",
    symbol: "INFY",
    exchange: "NSE",
    segment: "EQ",
    direction: "LONG",
    status: "closed",
    category: "intraday",
    openedAt: "2024-04-05T09:20:00+05:30",
    closedAt: "2024-04-05T11:35:00+05:30",
    quantity: 10,
    openQuantity: 0,
    avgEntry: "1500",
    avgExit: "1510",
    realizedPnl: "100",
    charges: "12.3456",
    netPnl: "87.6544",
    holdingDays: 0,
    isFno: false,
    executionIds: ["e1", "e2"],
    notes: "",
    tags: ["breakout"],
    strategy: null,
    ...overrides,
  };
}

function fill(executionId: string, executedAt: string, feesGiven = true): ExecutionOut {
  return {
    executionId,
    accountId: "acc",
    source: "import",
    externalId: executionId,
    symbol: "INFY",
    exchange: "NSE",
    segment: "EQ",
    side: "BUY",
    quantity: 10,
    price: "1500",
    fees: feesGiven ? "5" : "0",
    feesGiven,
    executedAt,
  };
}

describe("holding time", () => {
  it("reads minutes, hours and days", () => {
    expect(holdingText("2024-04-05T09:20:00+05:30", "2024-04-05T09:20:40+05:30")).toBe("under a minute");
    expect(holdingText("2024-04-05T09:20:00+05:30", "2024-04-05T10:05:00+05:30")).toBe("45 min");
    expect(holdingText("2024-04-05T09:20:00+05:30", "2024-04-05T11:25:00+05:30")).toBe("2 h 05 min");
    expect(holdingText("2024-04-05T09:20:00+05:30", "2024-04-08T13:30:00+05:30")).toBe("3 days 4 h");
    expect(holdingText("2024-04-05T09:20:00+05:30", "2024-04-06T09:20:00+05:30")).toBe("1 day");
  });

  it("counts an open trade up to now", () => {
    const now = new Date("2024-04-05T05:50:00Z"); // 11:20 IST
    expect(holdingText("2024-04-05T09:20:00+05:30", null, now)).toBe("2 h 00 min");
  });
});

describe("fills", () => {
  it("asks for the trade's symbol and account over its IST days", () => {
    // Given a trade opened just after midnight IST (the previous day in UTC)
    const opened = trade({ openedAt: "2024-04-04T18:45:00Z", closedAt: "2024-04-09T10:00:00+05:30" });
    // Then the query's days are IST days
    expect(fillsQuery(opened)).toEqual({ symbol: "INFY", accountId: "acc", from: "2024-04-05", to: "2024-04-09" });
    // and an open trade's range is open at the end
    expect(fillsQuery(trade({ closedAt: null, status: "open" }))).toEqual({
      symbol: "INFY",
      accountId: "acc",
      from: "2024-04-05",
    });
  });

  it("keeps the trade's own fills in time order and flags estimated charges", () => {
    const executions = [
      fill("e2", "2024-04-05T11:35:00+05:30", false),
      fill("other", "2024-04-05T10:00:00+05:30"),
      fill("e1", "2024-04-05T09:20:00+05:30"),
    ];
    const own = tradeFills(trade(), executions);
    expect(own.map((item) => item.executionId)).toEqual(["e1", "e2"]);
    expect(chargesEstimated(own)).toBe(true);
    expect(chargesEstimated(own.slice(0, 1))).toBe(false);
  });
});

describe("annotation form", () => {
  it("normalises tags as the API does", () => {
    expect(parseTags(" Breakout, gap-up ,,breakout , FOMO")).toEqual(["breakout", "gap-up", "fomo"]);
    expect(parseTags("  ")).toEqual([]);
  });

  it("sends only what changed", () => {
    // Given the trade as loaded into the form
    const original = trade({ notes: "old", strategy: "ORB" });
    const draft = draftOf(original);
    // Then an untouched form has nothing to send
    expect(validateAnnotations(draft, original)).toEqual({ errors: {}, patch: {} });
    // and edited notes, re-ordered tags and a cleared strategy are sent, nothing else
    const edited = { ...draft, notes: "Entered late", tags: "gap-up, Breakout", strategy: "  " };
    expect(validateAnnotations(edited, original)).toEqual({
      errors: {},
      patch: { notes: "Entered late", tags: ["gap-up", "breakout"], strategy: null },
    });
  });

  it("overrides the category, or puts it back to automatic", () => {
    const original = trade();
    expect(validateAnnotations({ ...draftOf(original), category: "swing" }, original).patch).toEqual({ category: "swing" });
    expect(validateAnnotations({ ...draftOf(original), category: "auto" }, original).patch).toEqual({ category: null });
  });

  it("refuses what the API would refuse", () => {
    const original = trade();
    const draft = draftOf(original);
    const tooMany = Array.from({ length: 21 }, (_, index) => `t${String(index)}`).join(",");
    expect(validateAnnotations({ ...draft, tags: tooMany }, original).errors.tags).toMatch(/At most 20 tags/);
    expect(validateAnnotations({ ...draft, tags: "x".repeat(41) }, original).errors.tags).toMatch(/at most 40/);
    expect(validateAnnotations({ ...draft, tags: "x".repeat(40) }, original).errors).toEqual({});
    expect(validateAnnotations({ ...draft, notes: "n".repeat(MAX_NOTES + 1) }, original).errors.notes).toMatch(/at most/);
    expect(validateAnnotations({ ...draft, strategy: "s".repeat(101) }, original).errors.strategy).toMatch(/at most 100/);
    expect(validateAnnotations({ ...draft, strategy: "a\u0007b" }, original).errors.strategy).toMatch(/control/);
  });

  it("shows the patched trade while it saves", () => {
    const patched = applyPatch(trade(), { notes: "n", tags: ["a"], strategy: null, category: "swing" });
    expect([patched.notes, patched.tags, patched.strategy, patched.category]).toEqual(["n", ["a"], null, "swing"]);
    // an automatic category is the API's to compute: the optimistic view keeps the current one
    expect(applyPatch(trade(), { category: null }).category).toBe("intraday");
  });
});

describe("trades date filters", () => {
  it("needs real dates, from not after to", () => {
    expect(dateFilterError("", "")).toBeNull();
    expect(dateFilterError("2024-04-01", "2024-04-30")).toBeNull();
    expect(dateFilterError("2024-04-31", "")).toMatch(/not a date/);
    expect(dateFilterError("2024-05-01", "2024-04-30")).toMatch(/after/);
  });
});
