import { describe, expect, it } from "vitest";
import type { PeriodOut } from "./api/types";
import { addMonths, buildCalendar, levelOf, MAX_MONTHS, moveDay, weekdayOf } from "./heatmap";

function day(period: string, netPnl: string, trades = 1): PeriodOut {
  return { period, netPnl, cumulativePnl: "0", drawdown: "0", trades };
}

describe("heatmap levels", () => {
  it("buckets a day by its size against the period's largest day, keeping the sign", () => {
    // Given the largest day of ₹1,000.00 (100000 paise)
    const largest = 100000n;
    // Then a quarter or less is level 1, just over a quarter level 2, the largest level 4
    expect(levelOf(25000n, largest)).toBe(1);
    expect(levelOf(25001n, largest)).toBe(2);
    expect(levelOf(100000n, largest)).toBe(4);
    expect(levelOf(-100000n, largest)).toBe(-4);
    expect(levelOf(-1n, largest)).toBe(-1);
    // and a flat day is 0
    expect(levelOf(0n, largest)).toBe(0);
  });

  it("compares exact paise, past float's exact range", () => {
    // Given two amounts a float cannot tell apart
    const largest = 4n * 2n ** 60n;
    // Then the one a paisa over the quarter is a level higher
    expect(levelOf(2n ** 60n, largest)).toBe(1);
    expect(levelOf(2n ** 60n + 1n, largest)).toBe(2);
  });
});

describe("heatmap calendar", () => {
  it("lays a month out in Monday-first weeks with each day's figures", () => {
    // Given April 2024 (1 April is a Monday) with a gain on the 5th and a loss on the 8th
    const calendar = buildCalendar([day("2024-04-05", "1200.5", 2), day("2024-04-08", "-300")], "2024-04-01", "2024-04-30");
    // Then there is one month of 5 weeks, 7 slots each
    expect(calendar?.months.map((month) => month.month)).toEqual(["2024-04"]);
    const weeks = calendar?.months[0]?.weeks ?? [];
    expect(weeks).toHaveLength(5);
    expect(weeks.every((week) => week.length === 7)).toBe(true);
    // and the 5th (a Friday) carries its P&L and trades at level 4 (the largest day)
    const fifth = weeks[0]?.[4];
    expect(fifth).toEqual({ date: "2024-04-05", netPnl: "1200.5", trades: 2, level: 4 });
    // the 8th (next Monday) is a loss, a quarter of the largest: level -1
    expect(weeks[1]?.[0]?.level).toBe(-1);
    // a day without trades has no P&L
    expect(weeks[0]?.[0]).toEqual({ date: "2024-04-01", netPnl: null, trades: 0, level: 0 });
    // and the slots after the 30th (a Tuesday) are empty
    expect(weeks[4]?.slice(2)).toEqual([null, null, null, null, null]);
  });

  it("reads the series' zero-filled quiet days as days without trading", () => {
    // Given a series with a quiet day (no trade closed, nothing realised), a breakeven close and a
    // partial exit (P&L realised, no trade closed)
    const calendar = buildCalendar(
      [day("2024-04-01", "0", 0), day("2024-04-02", "0", 1), day("2024-04-03", "-40", 0)],
      "2024-04-01",
      "2024-04-07",
    );
    const cells = calendar?.months[0]?.weeks[0] ?? [];
    // Then the quiet day has no P&L, the others keep theirs
    expect(cells.map((cell) => cell?.netPnl)).toEqual([null, "0", "-40", null, null, null, null]);
    expect(cells[1]?.level).toBe(0);
    expect(cells[2]?.level).toBe(-4);
  });

  it("leaves days outside the range empty and weeks wholly outside it out", () => {
    // Given a range from 10 May 2024 (a Friday) to 3 June 2024
    const calendar = buildCalendar([day("2024-05-20", "10")], "2024-05-10", "2024-06-03");
    const [may, june] = calendar?.months ?? [];
    // Then May starts with the week of the 10th (the week of 1–5 May is wholly outside the range),
    // its days before the 10th empty
    expect(may?.weeks[0]).toEqual([null, null, null, null, expect.objectContaining({ date: "2024-05-10" }), expect.anything(), expect.anything()]);
    expect(may?.weeks).toHaveLength(4);
    // and June holds only its first three days
    const juneDays = june?.weeks.flat().filter((cell) => cell !== null).map((cell) => cell.date);
    expect(juneDays).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
  });

  it("takes an open end from the series and keeps only the last months of a long range", () => {
    // Given all time: trades from Jan 2023 to Mar 2024 (15 months)
    const calendar = buildCalendar([day("2024-03-15", "5"), day("2023-01-02", "-5")]);
    // Then the calendar ends with the last traded month and shows the last 12 months
    expect(calendar?.to).toBe("2024-03-31");
    expect(calendar?.truncated).toBe(true);
    expect(calendar?.months).toHaveLength(MAX_MONTHS);
    expect(calendar?.from).toBe("2023-04-01");
    // and the largest day is measured within what is shown
    const march = calendar?.months.at(-1)?.weeks.flat().find((cell) => cell?.date === "2024-03-15");
    expect(march?.level).toBe(4);
  });

  it("shows whole months for an open end", () => {
    // Given all time with one trading day, 5 April 2024 (1 April a Monday)
    const calendar = buildCalendar([day("2024-04-05", "5")]);
    // Then all of April is laid out, 5 weeks (29–30 April in the fifth)
    expect([calendar?.from, calendar?.to]).toEqual(["2024-04-01", "2024-04-30"]);
    expect(calendar?.months[0]?.weeks).toHaveLength(5);
  });

  it("has nothing to lay out without days or bounds", () => {
    expect(buildCalendar([])).toBeNull();
    expect(buildCalendar([], "2024-05-02", "2024-05-01")).toBeNull();
  });
});

describe("heatmap keyboard", () => {
  it("moves by day, week, week ends and month, within the range", () => {
    const [from, to] = ["2024-04-01", "2024-06-30"];
    expect(moveDay("2024-04-05", "ArrowRight", from, to)).toBe("2024-04-06");
    expect(moveDay("2024-04-05", "ArrowDown", from, to)).toBe("2024-04-12");
    expect(moveDay("2024-04-05", "Home", from, to)).toBe("2024-04-01");
    expect(moveDay("2024-04-05", "End", from, to)).toBe("2024-04-07");
    expect(moveDay("2024-05-31", "PageDown", from, to)).toBe("2024-06-30");
    // at the range's ends the focus stays inside it
    expect(moveDay("2024-04-03", "ArrowUp", from, to)).toBe(from);
    expect(moveDay("2024-06-30", "ArrowRight", from, to)).toBe(to);
    // other keys are not moves
    expect(moveDay("2024-04-05", "Enter", from, to)).toBeNull();
  });

  it("knows weekdays and month lengths", () => {
    expect(weekdayOf("2024-04-01")).toBe(0); // Monday
    expect(weekdayOf("2024-04-07")).toBe(6); // Sunday
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2024-03-31", -1)).toBe("2024-02-29");
    expect(addMonths("2024-12-15", 1)).toBe("2025-01-15");
  });
});
