import { describe, expect, it } from "vitest";
import { currentFyStart, formatDay, fyLabel, isIsoDay, periodError, periodLabel, range, shiftPeriod } from "./period";

describe("period ranges", () => {
  it("runs a financial year from 1 April to 31 March", () => {
    expect(range({ kind: "fy", startYear: 2024 })).toEqual({ from: "2024-04-01", to: "2025-03-31" });
    expect(fyLabel(2024)).toBe("FY 2024-25");
    expect(currentFyStart(new Date(2026, 2, 31))).toBe(2025);
    expect(currentFyStart(new Date(2026, 3, 1))).toBe(2026);
  });

  it("ends a month on its last day, leap years included", () => {
    expect(range({ kind: "month", month: "2024-02" })).toEqual({ from: "2024-02-01", to: "2024-02-29" });
    expect(range({ kind: "all" })).toEqual({});
  });

  it("passes a custom range's ends as they are, leaving an empty end open", () => {
    expect(range({ kind: "custom", from: "2024-04-10", to: "2024-05-02" })).toEqual({
      from: "2024-04-10",
      to: "2024-05-02",
    });
    expect(range({ kind: "custom", from: "2024-04-10", to: "" })).toEqual({ from: "2024-04-10" });
  });
});

describe("period validation and stepping", () => {
  it("accepts real days only, and a custom range whose start is not after its end", () => {
    expect(isIsoDay("2024-02-29")).toBe(true);
    expect(isIsoDay("2023-02-29")).toBe(false);
    expect(isIsoDay("2024-13-01")).toBe(false);
    expect(isIsoDay("5/4/2024")).toBe(false);
    expect(periodError({ kind: "custom", from: "2024-04-10", to: "2024-04-09" })).toBe("The start is after the end.");
    expect(periodError({ kind: "custom", from: "2024-04-31", to: "" })).toMatch(/start is not a date/);
    expect(periodError({ kind: "custom", from: "", to: "2024-4-1" })).toMatch(/end is not a date/);
    expect(periodError({ kind: "custom", from: "2024-04-10", to: "2024-04-10" })).toBeNull();
    expect(periodError({ kind: "custom", from: "", to: "" })).toBeNull();
    expect(periodError({ kind: "month", month: "" })).toBe("Choose a month.");
    expect(periodError({ kind: "fy", startYear: 2024 })).toBeNull();
  });

  it("steps a financial year or a month, across year ends", () => {
    expect(shiftPeriod({ kind: "fy", startYear: 2024 }, -1)).toEqual({ kind: "fy", startYear: 2023 });
    expect(shiftPeriod({ kind: "month", month: "2024-12" }, 1)).toEqual({ kind: "month", month: "2025-01" });
    expect(shiftPeriod({ kind: "month", month: "2024-01" }, -1)).toEqual({ kind: "month", month: "2023-12" });
    // all time and a custom range have no next
    expect(shiftPeriod({ kind: "all" }, 1)).toEqual({ kind: "all" });
  });

  it("names the period", () => {
    expect(periodLabel({ kind: "fy", startYear: 2024 })).toBe("FY 2024-25");
    expect(periodLabel({ kind: "month", month: "2024-04" })).toBe("April 2024");
    expect(periodLabel({ kind: "custom", from: "2024-04-01", to: "" })).toBe("2024-04-01 to today");
    expect(periodLabel({ kind: "all" })).toBe("All time");
    expect(formatDay("2024-04-05")).toBe("Fri, 05 Apr 2024");
    expect(formatDay("not a day")).toBe("not a day");
  });
});
