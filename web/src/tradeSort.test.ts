import { describe, expect, it } from "vitest";
import { ariaSort, canSort, DEFAULT_SORT, nextSort, sortFor, type SortField, type TradeSort } from "./tradeSort";

describe("trade table sort", () => {
  it("starts newest opened first", () => {
    expect(DEFAULT_SORT).toBe("-openedAt");
  });

  it("flips the sorted column and starts another column descending", () => {
    // Given the default order / When the opened column is clicked twice / Then ascending, then descending
    expect(nextSort("-openedAt", "openedAt")).toBe("openedAt");
    expect(nextSort("openedAt", "openedAt")).toBe("-openedAt");
    // When another column is clicked, from either direction / Then it starts descending
    expect(nextSort("openedAt", "netPnl")).toBe("-netPnl");
    expect(nextSort("-netPnl", "closedAt")).toBe("-closedAt");
  });

  it("says the direction on the sorted column only", () => {
    const fields: SortField[] = ["openedAt", "closedAt", "netPnl"];
    const said = (sort: TradeSort) => fields.map((field) => ariaSort(sort, field));
    expect(said("-netPnl")).toEqual(["none", "none", "descending"]);
    expect(said("closedAt")).toEqual(["none", "ascending", "none"]);
  });

  it("never asks the API for open trades by closing time", () => {
    // Given a sort by closing time / When the status filter becomes open / Then the default order
    expect(sortFor("open", "-closedAt")).toBe(DEFAULT_SORT);
    expect(sortFor("open", "closedAt")).toBe(DEFAULT_SORT);
    // and other combinations keep the sort
    expect(sortFor("closed", "closedAt")).toBe("closedAt");
    expect(sortFor("open", "netPnl")).toBe("netPnl");
    expect(sortFor("", "-closedAt")).toBe("-closedAt");
    expect(canSort("open", "closedAt")).toBe(false);
    expect(canSort("", "closedAt")).toBe(true);
  });
});
