import { describe, expect, it } from "vitest";
import { currentFyStart, fyLabel, range } from "./period";

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
