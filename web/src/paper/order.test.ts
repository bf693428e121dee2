import { describe, expect, it } from "vitest";
import type { PaperOrder } from "../api/types";
import { formatInr } from "../format";
import {
  accountRequest,
  describeOrder,
  isLive,
  EMPTY_ORDER,
  orderRequest,
  placedNotice,
  stateLabel,
  SubmitKeys,
  validateAccount,
  validateOrder,
  type OrderDraft,
} from "./order";

const limitBuy: OrderDraft = { ...EMPTY_ORDER, symbol: " infy ", quantity: "10", price: "1500.25" };

describe("opening a paper account, as the API checks it", () => {
  it("takes a name and a positive balance of up to 4 decimals", () => {
    expect(validateAccount({ name: "Practice", startingBalance: "100000" })).toEqual({});
    expect(validateAccount({ name: "Practice", startingBalance: "1,00,000.5" })).toEqual({});
    expect(accountRequest({ name: " Practice ", startingBalance: "1,00,000.5" })).toEqual({ name: "Practice", startingBalance: "100000.5" });
  });

  it("refuses zero, a negative, too many decimals or digits, and an empty name", () => {
    // Given drafts the API would answer 400/422 / Then each names its field
    expect(validateAccount({ name: "", startingBalance: "0" })).toEqual({
      name: expect.any(String) as string,
      startingBalance: "The starting balance must be more than zero.",
    });
    expect(validateAccount({ name: "x", startingBalance: "-5" }).startingBalance).toContain("at most 4 decimals");
    expect(validateAccount({ name: "x", startingBalance: "1.23456" }).startingBalance).toContain("at most 4 decimals");
    expect(validateAccount({ name: "x", startingBalance: "12345678901" }).startingBalance).toContain("10 digits");
    expect(validateAccount({ name: "x".repeat(65), startingBalance: "1" }).name).toBeDefined();
  });
});

describe("the order form, as the API checks it", () => {
  it("takes a limit order with a price and sends it as a decimal string", () => {
    expect(validateOrder(limitBuy)).toEqual({});
    expect(orderRequest(limitBuy)).toEqual({
      symbol: "INFY",
      exchange: "NSE",
      side: "BUY",
      type: "LIMIT",
      quantity: 10,
      price: "1500.25",
      product: "CNC",
      validity: "DAY",
    });
  });

  it("sends a market order without a price, whatever the price field holds", () => {
    const market: OrderDraft = { ...limitBuy, type: "MARKET", price: "abc" };
    expect(validateOrder(market)).toEqual({});
    expect("price" in orderRequest(market)).toBe(false);
  });

  it("refuses a limit without a price or at zero, fractional or zero quantities and a bad symbol", () => {
    expect(validateOrder({ ...limitBuy, price: "" }).price).toBe("Enter a limit price with at most 4 decimals, e.g. 1500.25.");
    expect(validateOrder({ ...limitBuy, price: "0.0000" }).price).toBe("The limit price must be more than zero.");
    expect(validateOrder({ ...limitBuy, price: "100000000" }).price).toBeDefined(); // 9 digits
    expect(validateOrder({ ...limitBuy, quantity: "1.5" }).quantity).toBeDefined();
    expect(validateOrder({ ...limitBuy, quantity: "0" }).quantity).toBeDefined();
    expect(validateOrder({ ...limitBuy, quantity: "10000001" }).quantity).toBeDefined();
    expect(validateOrder({ ...limitBuy, symbol: "NSE:INFY" }).symbol).toContain("without its exchange");
  });
});

describe("stop-loss orders, MIS and IOC, as the API checks them", () => {
  it("sends an SL order's limit and trigger prices, and an SL-M order's trigger only", () => {
    // Given a stop-loss sell and a stop-loss market sell / When checked and sent
    const sl: OrderDraft = { ...limitBuy, side: "SELL", type: "SL", price: "1490", triggerPrice: "1495.5" };
    const slm: OrderDraft = { ...sl, type: "SL-M", price: "ignored" };
    // Then both pass, and each body carries what its type takes
    expect([validateOrder(sl), validateOrder(slm)]).toEqual([{}, {}]);
    expect(orderRequest(sl)).toMatchObject({ type: "SL", price: "1490", triggerPrice: "1495.5" });
    const body = orderRequest(slm);
    expect([body.type, "price" in body, body.triggerPrice]).toEqual(["SL-M", false, "1495.5"]);
    // a limit order sends no trigger, whatever the field holds
    expect("triggerPrice" in orderRequest({ ...limitBuy, triggerPrice: "5" })).toBe(false);
  });

  it("refuses a stop-loss without a trigger price or at zero", () => {
    const slm: OrderDraft = { ...limitBuy, type: "SL-M", triggerPrice: "" };
    expect(validateOrder(slm)).toEqual({ triggerPrice: "Enter a trigger price with at most 4 decimals, e.g. 1500.25." });
    expect(validateOrder({ ...slm, triggerPrice: "0" }).triggerPrice).toBe("The trigger price must be more than zero.");
    expect(validateOrder({ ...slm, type: "SL", price: "", triggerPrice: "10" }).price).toBeDefined();
  });

  it("sends the product and validity chosen", () => {
    expect(orderRequest({ ...limitBuy, product: "MIS", validity: "IOC" })).toMatchObject({ product: "MIS", validity: "IOC" });
  });

  it("names the trigger, and counts a partly executed order as live", () => {
    const sl = { side: "SELL", quantity: 5, exchange: "NSE", symbol: "TCS", type: "SL", price: "990", triggerPrice: "995" };
    expect(describeOrder(sl, formatInr)).toBe("SELL 5 NSE:TCS at ₹990.00 (SL, trigger ₹995.00)");
    expect(describeOrder({ ...sl, type: "SL-M", price: null }, formatInr)).toBe("SELL 5 NSE:TCS at market (SL-M, trigger ₹995.00)");
    expect(["pending", "partially_executed", "executed", "canceled"].map(isLive)).toEqual([true, true, false, false]);
    expect(stateLabel("partially_executed")).toEqual({ label: "Partly executed", tone: "warn" });
  });
});

describe("the Idempotency-Key of a submit", () => {
  function keys() {
    let n = 0;
    return new SubmitKeys(() => `key-${String((n += 1))}`);
  }

  it("is reused when the same order is sent again before it was placed", () => {
    // Given a submit that got no answer / When the same order is sent again / Then the same key goes
    const submit = keys();
    const order = orderRequest(limitBuy);
    expect(submit.keyFor(order)).toBe("key-1");
    expect(submit.keyFor({ ...order })).toBe("key-1");
  });

  it("is new for a changed order, and for the next order after one was placed", () => {
    const submit = keys();
    const order = orderRequest(limitBuy);
    expect(submit.keyFor(order)).toBe("key-1");
    expect(submit.keyFor({ ...order, quantity: 11 })).toBe("key-2");
    submit.settle();
    expect(submit.keyFor({ ...order, quantity: 11 })).toBe("key-3"); // the same order again is a second order
  });

  it("comes from crypto.randomUUID by default", () => {
    const key = new SubmitKeys().keyFor(orderRequest(limitBuy));
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("orders in words", () => {
  it("labels each state, and one the API adds later", () => {
    expect(stateLabel("pending")).toEqual({ label: "Pending", tone: "info" });
    expect(stateLabel("executed").label).toBe("Executed");
    expect(stateLabel("canceled").label).toBe("Canceled");
    expect(stateLabel("some_new_state")).toEqual({ label: "Some new state", tone: "info" });
  });

  it("describes limit and market orders with the price formatted from its string", () => {
    expect(describeOrder({ ...orderRequest(limitBuy), price: "1500.25" }, formatInr)).toBe("BUY 10 NSE:INFY at ₹1,500.25 (LIMIT)");
    expect(describeOrder({ side: "SELL", quantity: 5, exchange: "NSE", symbol: "TCS", type: "MARKET", price: null }, formatInr)).toBe(
      "SELL 5 NSE:TCS at market",
    );
  });
});

describe("the form's status after a placement", () => {
  const placed: Omit<PaperOrder, "state" | "history"> = {
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
    held: "0",
    fills: [],
    createdAt: "2026-12-07T04:00:00Z",
  };

  it("says the state the API answered", () => {
    const order = { ...placed, state: "executed" as const, history: [{ state: "executed" as const, at: "t1" }] };
    expect(placedNotice(order, formatInr)).toBe("Paper order placed: BUY 2 NSE:INFY at market, executed.");
  });

  it("says why a rejected one was rejected (the risk rule that failed), else just rejected", () => {
    const reason = "risk: max_order_value: order value ₹3,000.00 is over the limit ₹1,000.00";
    const history = [
      { state: "pending" as const, at: "t0" },
      { state: "rejected" as const, at: "t0", reason },
    ];
    expect(placedNotice({ ...placed, state: "rejected", history }, formatInr)).toBe(
      `Paper order placed: BUY 2 NSE:INFY at market, rejected (${reason}).`,
    );
    expect(placedNotice({ ...placed, state: "rejected", history: [{ state: "rejected", at: "t0" }] }, formatInr)).toBe(
      "Paper order placed: BUY 2 NSE:INFY at market, rejected.",
    );
  });
});
