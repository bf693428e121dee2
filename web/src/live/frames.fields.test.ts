import { describe, expect, it } from "vitest";
import { parseFrame } from "./frames";

// The frames exactly as the notifier sends them (tests/integration/notify/test_paper_risk_frames.py).
const executed = {
  type: "paper_order",
  accountId: "pa_7",
  orderId: "po_7",
  event: "executed",
  state: "executed",
  symbol: "TCS",
  exchange: "NSE",
  side: "SELL",
  orderType: "LIMIT",
  product: "MIS",
  quantity: 5,
  filledQuantity: 5,
  lastFillQuantity: 3,
  lastFillPrice: "3512.25",
  at: "2026-03-02T10:15:00+05:30",
  notificationId: "ntf_1",
};

describe("a paper_order frame's order fields", () => {
  it("are read typed when the frame has them", () => {
    // Given an execution's frame with the instrument, side and last fill / When it is parsed
    const frame = parseFrame(JSON.stringify(executed));
    // Then every field is kept as sent
    expect(frame).toEqual(executed);
  });

  it("keep a rejection's reason and leave out a last fill the frame has not", () => {
    const reason = "risk: max_order_value: the order's value 17,561.25 is over the limit 10,000";
    const rejected = Object.entries({ ...executed, event: "rejected", state: "rejected", filledQuantity: 0, reason }).filter(
      ([key]) => !["lastFillQuantity", "lastFillPrice", "notificationId"].includes(key),
    );
    const frame = parseFrame(JSON.stringify(Object.fromEntries(rejected)));
    expect(frame).toMatchObject({ event: "rejected", reason, symbol: "TCS", side: "SELL" });
    expect(frame).not.toHaveProperty("lastFillPrice");
    expect(frame).not.toHaveProperty("notificationId"); // pushed only: no inbox item
  });

  it("drop a malformed optional field, not the frame (its toast then reads the order)", () => {
    const frame = parseFrame(JSON.stringify({ ...executed, side: "SHORT", lastFillPrice: "3,512.25", symbol: "" }));
    expect(frame).toMatchObject({ type: "paper_order", orderId: "po_7", filledQuantity: 5 });
    expect(frame).not.toHaveProperty("side");
    expect(frame).not.toHaveProperty("symbol");
    expect(frame).not.toHaveProperty("lastFillPrice");
    expect(frame).not.toHaveProperty("lastFillQuantity"); // a fill's price and quantity go together
  });

  it("are absent from an older frame, which still parses", () => {
    const old = { type: "paper_order", accountId: "pa_7", orderId: "po_7", event: "executed", state: "executed", quantity: 5, filledQuantity: 5 };
    expect(parseFrame(JSON.stringify(old))).toEqual(old);
  });
});

describe("a paper_balance frame's version", () => {
  it("is read when it is a count and left out otherwise", () => {
    const figures = { type: "paper_balance", accountId: "pa_7", available: "90000", held: "10000", total: "100000" };
    expect(parseFrame(JSON.stringify({ ...figures, version: 7 }))).toEqual({ ...figures, version: 7 });
    expect(parseFrame(JSON.stringify({ ...figures, version: -1 }))).toEqual(figures);
    expect(parseFrame(JSON.stringify(figures))).toEqual(figures);
  });
});

describe("a risk_violation notification frame", () => {
  const words = { type: "notification", notificationId: "ntf_9", notificationType: "risk_violation", title: "Risk limit breached", message: "Day loss over the limit." };

  it("gives the violation's id, account, rule and figures as one typed field", () => {
    // Given the frame as the notifier sends it / When it is parsed
    const sent = { ...words, violationId: "rv_42", accountId: "pa_7", rule: "max_loss_per_day", day: "2026-03-02", value: "5250.5", limit: "5000", squaredOff: true };
    const frame = parseFrame(JSON.stringify(sent));
    // Then the violation is there beside the words
    expect(frame).toMatchObject(words);
    expect(frame && frame.type === "notification" ? frame.violation : null).toEqual({
      violationId: "rv_42",
      accountId: "pa_7",
      rule: "max_loss_per_day",
      day: "2026-03-02",
      value: "5250.5",
      limit: "5000",
      squaredOff: true,
    });
  });

  it("has no violation when the frame does not name one (an older frame)", () => {
    const frame = parseFrame(JSON.stringify(words));
    expect(frame).toEqual(words);
  });
});
