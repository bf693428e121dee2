import { describe, expect, it } from "vitest";
import { parseFrame, toastOf } from "./frames";

describe("live frames", () => {
  it("parses a JSON object with a type and ignores anything else", () => {
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: "pong" });
    expect(parseFrame("[1,2]")).toBeNull();
    expect(parseFrame('{"action":"ping"}')).toBeNull();
    expect(parseFrame("{oops")).toBeNull();
  });

  it("turns a fired alert into a toast with the API's message", () => {
    const frame = parseFrame('{"type":"alert","alertId":"al_1","symbol":"NSE:INFY","message":"NSE:INFY rose above 1500"}');
    expect(frame && toastOf(frame)).toEqual({
      title: "Price alert: NSE:INFY",
      message: "NSE:INFY rose above 1500",
      tone: "info",
      sticky: true, // stays until dismissed: the trader may be away
    });
  });

  it("toasts a failed or expired sync, not a successful one, nor quotes", () => {
    const failed = parseFrame('{"type":"sync","accountId":"ba_1","status":"needs_login"}');
    const fine = parseFrame('{"type":"sync","accountId":"ba_1","status":"success","fetched":3,"sent":3}');
    const quote = parseFrame('{"type":"quote","symbol":"NSE:INFY","ltp":"1500"}');
    expect(failed && toastOf(failed)?.title).toBe("Broker login expired");
    expect(fine && toastOf(fine)).toBeNull();
    expect(quote && toastOf(quote)).toBeNull();
    expect(failed && toastOf(failed)?.sticky).toBe(true);
  });
});

describe("the report frame", () => {
  it("says a requested report is ready, and goes by itself", () => {
    // Given the notifier's report_ready frame (docs/reports.md)
    const frame = parseFrame('{"type":"report","reportId":"rpt_0123456789abcdef01234567","status":"ready","notificationId":"n_1"}');
    // When it becomes a toast / Then it names the Reports page and is not sticky
    expect(frame && toastOf(frame)).toEqual({
      title: "Your report is ready",
      message: "Download it from the Reports page.",
      tone: "good",
      sticky: false,
    });
  });
});

describe("the paper frames", () => {
  // the notifier's frames as it pushes them (tradetrack/notify/service.py push_frame, events.live_frame)
  const order = {
    type: "paper_order",
    accountId: "pa_1",
    orderId: "po_1",
    event: "rejected",
    state: "rejected",
    quantity: 10,
    filledQuantity: 0,
    notificationId: "n_1",
  };
  const balance = { type: "paper_balance", accountId: "pa_1", available: "98500.0000", held: "1500.0000", total: "100000.0000" };

  it("reads a paper order's transition and a balance change with their fields typed", () => {
    // Given the two frames as JSON / When parsed / Then every field is kept as sent
    expect(parseFrame(JSON.stringify(order))).toEqual(order);
    expect(parseFrame(JSON.stringify(balance))).toEqual(balance);
  });

  it("keeps a partial execution's counts and leaves out an absent notification id", () => {
    const partial = { ...order, event: "partially_executed", state: "partially_executed", filledQuantity: 3 };
    delete (partial as Partial<typeof order>).notificationId;
    expect(parseFrame(JSON.stringify(partial))).toEqual(partial);
  });

  it.each([
    ["an unknown event", { ...order, event: "filled" }],
    ["an unknown state", { ...order, state: "done" }],
    ["no order id", { ...order, orderId: "" }],
    ["a quantity as a string", { ...order, quantity: "10" }],
    ["more filled than ordered", { ...order, filledQuantity: 11 }],
    ["a fractional fill", { ...order, filledQuantity: 1.5 }],
  ])("drops a paper_order frame with %s", (_, frame) => {
    expect(parseFrame(JSON.stringify(frame))).toBeNull();
  });

  it.each([
    ["a number for money (not exact)", { ...balance, available: 98500 }],
    ["a float-looking string", { ...balance, held: "1e3" }],
    ["a missing total", { ...balance, total: undefined }],
    ["no account", { ...balance, accountId: null }],
  ])("drops a paper_balance frame with %s", (_, frame) => {
    expect(parseFrame(JSON.stringify(frame))).toBeNull();
  });

  it("gives neither a toast of its own (a paper order's is worded from the order: src/paper/toast.ts)", () => {
    const parsed = [parseFrame(JSON.stringify(order)), parseFrame(JSON.stringify(balance))];
    expect(parsed.map((frame) => frame && toastOf(frame))).toEqual([null, null]);
  });
});

describe("a risk violation's notification frame", () => {
  it("stays until dismissed and says it is bad news; another notification goes by itself", () => {
    // Given the notifier's frame for a risk_violation event (a notification frame)
    const risk = parseFrame(
      '{"type":"notification","notificationId":"n_2","notificationType":"risk_violation","title":"Risk limit breached: max_loss_per_day","message":"Day loss 5200 reached the limit 5000."}',
    );
    const other = parseFrame('{"type":"notification","notificationId":"n_3","notificationType":"daily_summary","title":"Your day","message":"3 trades"}');
    // When each becomes a toast / Then the breach is sticky and "bad", with the notifier's words
    expect(risk && toastOf(risk)).toEqual({
      title: "Risk limit breached: max_loss_per_day",
      message: "Day loss 5200 reached the limit 5000.",
      tone: "bad",
      sticky: true,
    });
    expect(other && toastOf(other)).toMatchObject({ tone: "info", sticky: false });
  });
});
