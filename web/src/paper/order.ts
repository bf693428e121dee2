// The paper trading forms' checks, the same as the API's (tradetrack/paper/models.py), so a trader
// sees a problem beside its field before sending; the order body; an Idempotency-Key per submit,
// reused when the same submit is retried; order states in words. Money stays a decimal string
// (compared as integers × 10^4 with BigInt, never as floats).
import { toScaled } from "../alerts/validate";
import {
  PAPER_PRODUCTS,
  PAPER_VALIDITIES,
  type PaperAccountIn,
  type PaperExchange,
  type PaperOrder,
  type PaperOrderIn,
  type PaperOrderState,
  type PaperOrderType,
  type PaperProduct,
  type PaperSide,
  type PaperValidity,
} from "../api/types";

/** The query key of GET /v1/paper/accounts (an account's own queries are under ["paper", accountId]). */
export const PAPER_ACCOUNTS = ["paper", "accounts"];

const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9&_.\- ]{0,39}$/;
const STARTING_BALANCE = /^[0-9]{1,10}(\.[0-9]{1,4})?$/;
const LIMIT_PRICE = /^[0-9]{1,8}(\.[0-9]{1,4})?$/;
const MAX_QUANTITY = 10_000_000;

export interface AccountDraft {
  name: string;
  startingBalance: string;
}

export type AccountErrors = Partial<Record<keyof AccountDraft, string>>;

export function validateAccount(draft: AccountDraft): AccountErrors {
  const errors: AccountErrors = {};
  const name = draft.name.trim();
  if (name.length < 1 || name.length > 64) errors.name = "Give the account a name of 1 to 64 characters.";
  const balance = draft.startingBalance.trim().replace(/,/g, "");
  const scaled = STARTING_BALANCE.test(balance) ? toScaled(balance) : null;
  if (scaled === null) errors.startingBalance = "Enter rupees with at most 4 decimals, e.g. 100000 (no more than 10 digits).";
  else if (scaled <= 0n) errors.startingBalance = "The starting balance must be more than zero.";
  return errors;
}

export function accountRequest(draft: AccountDraft): PaperAccountIn {
  return { name: draft.name.trim(), startingBalance: draft.startingBalance.trim().replace(/,/g, "") };
}

/** The order form as typed: every field a string or a choice, converted on submit. */
export interface OrderDraft {
  symbol: string;
  exchange: PaperExchange;
  side: PaperSide;
  type: PaperOrderType;
  product: PaperProduct;
  validity: PaperValidity;
  quantity: string;
  price: string;
  triggerPrice: string;
}

/** Words for each product and validity the API offers (one it adds shows its code until named here). */
export const PRODUCT_LABELS: Partial<Record<PaperProduct, string>> = {
  CNC: "CNC (delivery)",
  MIS: "MIS (intraday, on margin)",
};
export const VALIDITY_LABELS: Partial<Record<PaperValidity, string>> = {
  DAY: "Day (to 15:30 IST)",
  IOC: "IOC (now or cancel)",
};

export type OrderErrors = Partial<Record<"symbol" | "quantity" | "price" | "triggerPrice", string>>;

export const EMPTY_ORDER: OrderDraft = {
  symbol: "",
  exchange: "NSE",
  side: "BUY",
  type: "LIMIT",
  product: PAPER_PRODUCTS[0],
  validity: PAPER_VALIDITIES[0],
  quantity: "",
  price: "",
  triggerPrice: "",
};

/** True when the order type takes a limit price (LIMIT and SL; MARKET and SL-M take none). */
export function needsPrice(type: PaperOrderType): boolean {
  return type === "LIMIT" || type === "SL";
}

/** True when the order type takes a trigger price (SL and SL-M). */
export function needsTrigger(type: PaperOrderType): boolean {
  return type === "SL" || type === "SL-M";
}

/** The positive decimal (≤ 8 digits, ≤ 4 decimals) the API takes as a price, or why not. */
function priceProblem(text: string, what: string): string | null {
  const price = text.trim();
  const scaled = LIMIT_PRICE.test(price) ? toScaled(price) : null;
  if (scaled === null) return `Enter a ${what} with at most 4 decimals, e.g. 1500.25.`;
  return scaled <= 0n ? `The ${what} must be more than zero.` : null;
}

export function validateOrder(draft: OrderDraft): OrderErrors {
  const errors: OrderErrors = {};
  if (!SYMBOL.test(draft.symbol.trim())) errors.symbol = "Enter the symbol without its exchange, e.g. INFY.";
  const quantity = draft.quantity.trim();
  if (!/^\d{1,8}$/.test(quantity) || Number(quantity) < 1 || Number(quantity) > MAX_QUANTITY) {
    errors.quantity = "Enter whole shares, 1 to 1,00,00,000.";
  }
  const price = needsPrice(draft.type) ? priceProblem(draft.price, "limit price") : null;
  if (price) errors.price = price;
  const trigger = needsTrigger(draft.type) ? priceProblem(draft.triggerPrice, "trigger price") : null;
  if (trigger) errors.triggerPrice = trigger;
  return errors;
}

/** POST /v1/paper/accounts/{id}/orders' body from a valid draft (a MARKET order sends no price). */
export function orderRequest(draft: OrderDraft): PaperOrderIn {
  const body: PaperOrderIn = {
    symbol: draft.symbol.trim().toUpperCase(),
    exchange: draft.exchange,
    side: draft.side,
    type: draft.type,
    quantity: Number(draft.quantity.trim()),
    product: draft.product,
    validity: draft.validity,
  };
  if (needsPrice(draft.type)) body.price = draft.price.trim();
  if (needsTrigger(draft.type)) body.triggerPrice = draft.triggerPrice.trim();
  return body;
}

/** One submit's Idempotency-Key. Until the API places the order, sending the same body again (a
 * retry after a network error, a 5xx or a 409 "in progress") reuses the key, so the API answers
 * with the order first placed and never places it twice; a changed body gets a new key, and so
 * does the next submit after one was placed. */
export class SubmitKeys {
  private current: { body: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key for sending `order` now. */
  keyFor(order: PaperOrderIn): string {
    const body = JSON.stringify(order);
    if (this.current?.body !== body) this.current = { body, key: this.newKey() };
    return this.current.key;
  }

  /** The order was placed: the next submit is a new order. */
  settle(): void {
    this.current = null;
  }
}

export const ORDER_STATES: Record<PaperOrderState, { label: string; tone: "info" | "good" | "warn" | "bad" }> = {
  pending: { label: "Pending", tone: "info" },
  partially_executed: { label: "Partly executed", tone: "warn" },
  executed: { label: "Executed", tone: "good" },
  canceled: { label: "Canceled", tone: "warn" },
  expired: { label: "Expired", tone: "warn" },
  rejected: { label: "Rejected", tone: "bad" },
};

/** A state the API adds later still shows, in words. */
export function stateLabel(state: string): { label: string; tone: "info" | "good" | "warn" | "bad" } {
  return (ORDER_STATES as Record<string, { label: string; tone: "info" | "good" | "warn" | "bad" }>)[state] ?? {
    label: (state.charAt(0).toUpperCase() + state.slice(1)).replace(/_/g, " "),
    tone: "info",
  };
}

/** "BUY 10 NSE:INFY at ₹1,500.00 (LIMIT)" / "SELL 5 NSE:TCS at market" / "… at market (SL-M, trigger ₹990.00)". */
export function describeOrder(
  order: {
    side: string;
    quantity: number;
    exchange: string;
    symbol: string;
    type: string;
    price?: string | null;
    triggerPrice?: string | null;
  },
  formatPrice: (value: string) => string,
): string {
  const what = `${order.side} ${String(order.quantity)} ${order.exchange}:${order.symbol}`;
  const trigger = order.triggerPrice ? `, trigger ${formatPrice(order.triggerPrice)}` : "";
  if (order.price) return `${what} at ${formatPrice(order.price)} (${order.type}${trigger})`;
  return trigger ? `${what} at market (${order.type}${trigger})` : `${what} at market`;
}

/** The reason of the order's rejection (its rejected transition's), if it says one. */
export function rejectionReason(order: { history: readonly { state: string; reason?: string | null }[] }): string | null {
  const step = [...order.history].reverse().find((item) => item.state === "rejected");
  return step?.reason ?? null;
}

/** The form's status after a placement: "Paper order placed: BUY 2 NSE:INFY at market, executed."; a
 * rejected one says why ("…, rejected (risk: max_order_value: …)."). */
export function placedNotice(order: PaperOrder, formatPrice: (value: string) => string): string {
  const reason = order.state === "rejected" ? rejectionReason(order) : null;
  const state = stateLabel(order.state).label.toLowerCase();
  return `Paper order placed: ${describeOrder(order, formatPrice)}, ${state}${reason ? ` (${reason})` : ""}.`;
}

/** Orders that may still fill, and so can be canceled (pending, partially executed). */
export function isLive(state: string): boolean {
  return state === "pending" || state === "partially_executed";
}
