// The toast of a paper order's frame (src/live/frames.ts): an execution, a partial execution, an
// expiry or a rejection. A frame of this release on names the instrument, side, type, last fill and a
// rejection's reason (the risk rule that failed, or paper trading's own): the toast is worded from
// it, with no request. An older frame names the order only: its words come from the order itself
// (GET /v1/paper/accounts/{accountId}/orders/{orderId}). Placements and cancels are the trader's own
// doing and get none.
import type { PaperOrder } from "../api/types";
import type { PaperOrderFrame, Toast } from "../live/frames";
import { describeOrder, rejectionReason } from "./order";

type ToastOf = Omit<Toast, "id">;

/** Whether the frame deserves a toast (then its order is read for the words). */
export function toastsPaperOrder(frame: PaperOrderFrame): boolean {
  return frame.event === "executed" || frame.event === "partially_executed" || frame.event === "rejected" || frame.event === "expired";
}

/** Whether the frame says enough to word its toast (else the order is read). A rejection needs its
 * reason too. */
export function frameWordsOrder(frame: PaperOrderFrame): boolean {
  const named = frame.symbol !== undefined && frame.exchange !== undefined && frame.side !== undefined;
  return named && (frame.event !== "rejected" || frame.reason !== undefined);
}

/** The order in words from the frame: "SELL 5 NSE:TCS at market", "BUY 2 NSE:INFY (LIMIT)". */
function describeFrame(frame: PaperOrderFrame): string {
  const what = `${frame.side ?? ""} ${String(frame.quantity)} ${frame.exchange ?? ""}:${frame.symbol ?? ""}`;
  if (!frame.orderType || frame.orderType === "MARKET") return `${what} at market`;
  return `${what} (${frame.orderType})`;
}

/** The order's path in the API. */
export function paperOrderPath(accountId: string, orderId: string): string {
  return `/v1/paper/accounts/${encodeURIComponent(accountId)}/orders/${encodeURIComponent(orderId)}`;
}

/** The toast for `frame`, worded from the frame when it says enough (frameWordsOrder), else from
 * `order` as read (null: it could not be read, the frame's own figures are said). A rejection stays
 * until dismissed: its reason is what the trader must read. */
export function paperOrderToast(frame: PaperOrderFrame, order: PaperOrder | null, formatPrice: (value: string) => string): ToastOf {
  const fromFrame = frameWordsOrder(frame);
  const what = fromFrame ? describeFrame(frame) : order ? describeOrder(order, formatPrice) : `${String(frame.quantity)} shares`;
  const where = fromFrame ? `: ${frame.exchange ?? ""}:${frame.symbol ?? ""}` : order ? `: ${order.exchange}:${order.symbol}` : "";
  switch (frame.event) {
    case "rejected": {
      const reason = fromFrame ? (frame.reason ?? null) : order ? rejectionReason(order) : null;
      return {
        title: `Paper order rejected${where}`,
        message: reason ? `${what}: ${reason}` : `${what}: see the order on its paper account's page.`,
        tone: "bad",
        sticky: true,
      };
    }
    case "executed":
    case "partially_executed": {
      const last =
        fromFrame && frame.lastFillQuantity !== undefined && frame.lastFillPrice !== undefined
          ? { quantity: frame.lastFillQuantity, price: frame.lastFillPrice }
          : order?.fills.at(-1);
      const fill = last ? `; last fill ${String(last.quantity)} at ${formatPrice(last.price)}` : "";
      const partly = frame.event === "partially_executed";
      return {
        title: `Paper order ${partly ? "partly filled" : "executed"}${where}`,
        message: `${what}: ${String(frame.filledQuantity)} of ${String(frame.quantity)} filled${fill}.`,
        tone: "good",
        sticky: false,
      };
    }
    default:
      return { title: `Paper order ${frame.event}${where}`, message: `${what}.`, tone: "info", sticky: false };
  }
}
