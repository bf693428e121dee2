import { describe, expect, it } from "vitest";
import type { PaperOrder } from "../api/types";
import { formatInr } from "../format";
import type { PaperOrderFrame } from "../live/frames";
import { rejectionReason } from "./order";
import { frameWordsOrder, paperOrderPath, paperOrderToast, toastsPaperOrder } from "./toast";

function frameOf(fields: Partial<PaperOrderFrame>): PaperOrderFrame {
  return { type: "paper_order", accountId: "pa_1", orderId: "po_1", event: "executed", state: "executed", quantity: 2, filledQuantity: 2, ...fields };
}

function orderOf(fields: Partial<PaperOrder>): PaperOrder {
  return {
    orderId: "po_1",
    accountId: "pa_1",
    symbol: "INFY",
    exchange: "NSE",
    side: "BUY",
    type: "MARKET",
    quantity: 2,
    price: null,
    product: "CNC",
    validity: "DAY",
    state: "executed",
    held: "0",
    fills: [],
    history: [{ state: "pending", at: "2026-12-07T04:00:00Z" }],
    createdAt: "2026-12-07T04:00:00Z",
    ...fields,
  };
}

describe("which paper order frames toast", () => {
  it("toasts executions, partial executions, expiries and rejections; not placements or cancels", () => {
    const events = ["placed", "partially_executed", "executed", "canceled", "expired", "rejected"] as const;
    const toasted = events.filter((event) => toastsPaperOrder(frameOf({ event })));
    expect(toasted).toEqual(["partially_executed", "executed", "expired", "rejected"]);
  });

  it("reads the order at its own path (ids escaped)", () => {
    expect(paperOrderPath("pa_1", "po/2")).toBe("/v1/paper/accounts/pa_1/orders/po%2F2");
  });
});

describe("a paper order's toast", () => {
  it("says a rejection's reason, the risk rule that failed, and stays until dismissed", () => {
    // Given a rejected order whose last transition names the rule
    const reason = "max_order_value: order value ₹3,000.00 is over the limit ₹1,000.00";
    const order = orderOf({ state: "rejected", history: [{ state: "pending", at: "t0" }, { state: "rejected", at: "t1", reason }] });
    // When its frame becomes a toast
    const toast = paperOrderToast(frameOf({ event: "rejected", state: "rejected", filledQuantity: 0 }), order, formatInr);
    // Then the reason is in its words
    expect(toast).toEqual({
      title: "Paper order rejected: NSE:INFY",
      message: `BUY 2 NSE:INFY at market: ${reason}`,
      tone: "bad",
      sticky: true,
    });
    expect(rejectionReason(order)).toBe(reason);
  });

  it("says what filled and at what price for an execution, and goes by itself", () => {
    const order = orderOf({ fills: [{ seq: 1, quantity: 2, price: "1500.5000", charges: "1.2000", at: "t1", executionId: "e1" }] });
    expect(paperOrderToast(frameOf({}), order, formatInr)).toEqual({
      title: "Paper order executed: NSE:INFY",
      message: "BUY 2 NSE:INFY at market: 2 of 2 filled; last fill 2 at ₹1,500.50.",
      tone: "good",
      sticky: false,
    });
  });

  it("counts a partial execution from the frame (the order read may already be further)", () => {
    const order = orderOf({ type: "LIMIT", price: "1400", quantity: 10, fills: [{ seq: 1, quantity: 3, price: "1400", charges: "0.5", at: "t1", executionId: "e1" }] });
    const toast = paperOrderToast(frameOf({ event: "partially_executed", state: "partially_executed", quantity: 10, filledQuantity: 3 }), order, formatInr);
    expect(toast.title).toBe("Paper order partly filled: NSE:INFY");
    expect(toast.message).toBe("BUY 10 NSE:INFY at ₹1,400.00 (LIMIT): 3 of 10 filled; last fill 3 at ₹1,400.00.");
  });

  it("still says something when the order could not be read", () => {
    const toast = paperOrderToast(frameOf({ event: "rejected", state: "rejected", filledQuantity: 0 }), null, formatInr);
    expect(toast).toMatchObject({ title: "Paper order rejected", tone: "bad", sticky: true });
    expect(toast.message).toContain("see the order on its paper account's page");
  });

  it("names an expiry as such", () => {
    const toast = paperOrderToast(frameOf({ event: "expired", state: "expired", filledQuantity: 0 }), orderOf({ state: "expired" }), formatInr);
    expect(toast).toEqual({ title: "Paper order expired: NSE:INFY", message: "BUY 2 NSE:INFY at market.", tone: "info", sticky: false });
  });
});

describe("a paper order's toast from a frame that names the order", () => {
  const named: Partial<PaperOrderFrame> = { symbol: "TCS", exchange: "NSE", side: "SELL", orderType: "LIMIT", product: "MIS", quantity: 5 };

  it("is worded from the frame: no order read is needed", () => {
    // Given a partial execution's frame with the instrument, side and last fill
    const frame = frameOf({ ...named, event: "partially_executed", state: "partially_executed", filledQuantity: 3, lastFillQuantity: 3, lastFillPrice: "3512.25" });
    // Then it words its own toast (the order is not read: none is given)
    expect(frameWordsOrder(frame)).toBe(true);
    expect(paperOrderToast(frame, null, formatInr)).toEqual({
      title: "Paper order partly filled: NSE:TCS",
      message: `SELL 5 NSE:TCS (LIMIT): 3 of 5 filled; last fill 3 at ${formatInr("3512.25")}.`,
      tone: "good",
      sticky: false,
    });
  });

  it("says a rejection's reason from the frame", () => {
    const reason = "risk: max_order_value: the order's value is over the limit";
    const frame = frameOf({ ...named, orderType: "MARKET", event: "rejected", state: "rejected", filledQuantity: 0, reason });
    expect(frameWordsOrder(frame)).toBe(true);
    expect(paperOrderToast(frame, null, formatInr)).toEqual({
      title: "Paper order rejected: NSE:TCS",
      message: `SELL 5 NSE:TCS at market: ${reason}`,
      tone: "bad",
      sticky: true,
    });
  });

  it("reads the order for an older frame, or a rejection whose frame has no reason", () => {
    expect(frameWordsOrder(frameOf({}))).toBe(false);
    expect(frameWordsOrder(frameOf({ ...named, event: "rejected", state: "rejected", filledQuantity: 0 }))).toBe(false);
  });
});
