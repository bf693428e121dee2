// The risk limits form (docs/risk.md, tradetrack/risk/models.py LimitsIn): the draft as typed, its
// checks, the same as the API's so a problem shows beside its field before sending (money: a
// decimal string of up to 12 digits and 4 decimals, more than zero; counts: whole numbers in the
// API's ranges; exchanges from its list; instruments as EXCHANGE:SYMBOL), the PUT body (an empty
// field: no limit of this scope, so an account falls back to the user's), and the API's own 422s
// mapped back onto the fields. Money stays a decimal string (compared as BigInt × 10^4).
import { toScaled } from "../alerts/validate";
import { ApiError } from "../api/client";
import { RISK_EXCHANGES, type RiskExchange, type RiskLimits, type RiskLimitsIn, type RiskRule } from "../api/types";

export const MONEY_FIELDS = ["maxLossPerDay", "maxOrderValue", "maxPositionValue"] as const;
export const COUNT_FIELDS = ["maxOpenPositions", "maxQuantityPerOrder"] as const;
export type MoneyField = (typeof MONEY_FIELDS)[number];
export type CountField = (typeof COUNT_FIELDS)[number];
export type LimitField = MoneyField | CountField | "allowedExchanges" | "allowedInstruments";

export function isMoneyField(field: LimitField): field is MoneyField {
  return (MONEY_FIELDS as readonly string[]).includes(field);
}

/** Each field in words (labels, and the error messages that name them). */
export const FIELD_LABELS: Record<LimitField, string> = {
  maxLossPerDay: "Max loss per day (₹)",
  maxOrderValue: "Max order value (₹)",
  maxPositionValue: "Max position value per instrument (₹)",
  maxOpenPositions: "Max open positions",
  maxQuantityPerOrder: "Max quantity per order",
  allowedExchanges: "Allowed exchanges",
  allowedInstruments: "Allowed instruments",
};

/** The API's ranges for the counts (LimitsIn): inclusive. */
export const COUNT_RANGES: Record<CountField, { min: number; max: number }> = {
  maxOpenPositions: { min: 1, max: 10_000 },
  maxQuantityPerOrder: { min: 1, max: 10_000_000 },
};
const MONEY = /^[0-9]{1,12}(\.[0-9]{1,4})?$/;
const COUNT = /^[0-9]{1,9}$/;
const INSTRUMENT = new RegExp(`^(${RISK_EXCHANGES.join("|")}):[A-Z0-9&_.\\-]{1,40}$`);
const MAX_INSTRUMENTS = 500;

/** The form as typed: every field a string, the exchanges a choice (null: any exchange). */
export interface LimitsDraft {
  maxLossPerDay: string;
  maxOrderValue: string;
  maxPositionValue: string;
  maxOpenPositions: string;
  maxQuantityPerOrder: string;
  /** null: any exchange; a list: only these */
  allowedExchanges: RiskExchange[] | null;
  /** EXCHANGE:SYMBOL separated by commas, spaces or lines; empty: any instrument */
  allowedInstruments: string;
}

export type LimitsErrors = Partial<Record<LimitField, string>>;

export const EMPTY_LIMITS: LimitsDraft = {
  maxLossPerDay: "",
  maxOrderValue: "",
  maxPositionValue: "",
  maxOpenPositions: "",
  maxQuantityPerOrder: "",
  allowedExchanges: null,
  allowedInstruments: "",
};

function isExchange(value: string): value is RiskExchange {
  return (RISK_EXCHANGES as readonly string[]).includes(value);
}

/** The draft of stored limits (a scope that never set any: the empty draft). */
export function draftOf(limits: RiskLimits | undefined): LimitsDraft {
  if (!limits) return EMPTY_LIMITS;
  return {
    maxLossPerDay: limits.maxLossPerDay ?? "",
    maxOrderValue: limits.maxOrderValue ?? "",
    maxPositionValue: limits.maxPositionValue ?? "",
    maxOpenPositions: limits.maxOpenPositions === null ? "" : String(limits.maxOpenPositions),
    maxQuantityPerOrder: limits.maxQuantityPerOrder === null ? "" : String(limits.maxQuantityPerOrder),
    allowedExchanges: limits.allowedExchanges === null ? null : limits.allowedExchanges.filter(isExchange),
    allowedInstruments: (limits.allowedInstruments ?? []).join(", "),
  };
}

function moneyText(raw: string): string {
  return raw.trim().replace(/,/g, "");
}

/** The instruments typed, upper case, each once, in the order typed. */
export function instrumentsOf(raw: string): string[] {
  const items = raw
    .split(/[\s,;]+/)
    .map((item) => item.trim().toUpperCase())
    .filter((item) => item.length > 0);
  return [...new Set(items)];
}

/** The problems of a draft by field (empty when the API would accept it). */
export function validateLimits(draft: LimitsDraft): LimitsErrors {
  const errors: LimitsErrors = {};
  for (const field of MONEY_FIELDS) {
    const text = moneyText(draft[field]);
    if (text === "") continue;
    const scaled = MONEY.test(text) ? toScaled(text) : null;
    if (scaled === null) errors[field] = "Enter rupees with at most 4 decimals and 12 digits, e.g. 5000 or 2500.50 (empty: no limit).";
    else if (scaled <= 0n) errors[field] = "The limit must be more than zero (leave it empty for no limit).";
  }
  for (const field of COUNT_FIELDS) {
    const text = draft[field].trim().replace(/,/g, "");
    if (text === "") continue;
    const { min, max } = COUNT_RANGES[field];
    const count = COUNT.test(text) ? Number(text) : null;
    if (count === null || count < min || count > max) {
      errors[field] = `Enter a whole number from ${min.toLocaleString("en-IN")} to ${max.toLocaleString("en-IN")} (empty: no limit).`;
    }
  }
  if (draft.allowedExchanges !== null && draft.allowedExchanges.length === 0) {
    errors.allowedExchanges = "Tick at least one exchange, or choose any exchange (no order could be placed).";
  }
  const instruments = instrumentsOf(draft.allowedInstruments);
  const wrong = instruments.filter((item) => !INSTRUMENT.test(item));
  if (wrong.length > 0) {
    errors.allowedInstruments = `Write each instrument as EXCHANGE:SYMBOL, e.g. NSE:INFY (not ${wrong.slice(0, 3).join(", ")}).`;
  } else if (instruments.length > MAX_INSTRUMENTS) {
    errors.allowedInstruments = `At most ${String(MAX_INSTRUMENTS)} instruments (${String(instruments.length)} given).`;
  }
  return errors;
}

/** The PUT body of a draft that passed validateLimits: empty fields sent as null. */
export function limitsRequest(draft: LimitsDraft): RiskLimitsIn {
  const money = (field: MoneyField) => moneyText(draft[field]) || null;
  const count = (field: CountField) => {
    const text = draft[field].trim().replace(/,/g, "");
    return text === "" ? null : Number(text);
  };
  const instruments = instrumentsOf(draft.allowedInstruments);
  return {
    maxLossPerDay: money("maxLossPerDay"),
    maxOrderValue: money("maxOrderValue"),
    maxPositionValue: money("maxPositionValue"),
    maxOpenPositions: count("maxOpenPositions"),
    maxQuantityPerOrder: count("maxQuantityPerOrder"),
    allowedExchanges: draft.allowedExchanges === null ? null : RISK_EXCHANGES.filter((item) => draft.allowedExchanges?.includes(item)),
    allowedInstruments: instruments.length === 0 ? null : instruments,
  };
}

/** Every field, in the form's order. */
export const LIMIT_FIELDS = Object.keys(FIELD_LABELS) as LimitField[];

/** The API's 422 for a PUT, by field: each detail whose `field` names one ("body.maxLossPerDay",
 * "maxLossPerDay", "body.allowedInstruments.2") with its message; anything else stays the error. */
export function serverErrors(error: unknown): LimitsErrors {
  const errors: LimitsErrors = {};
  if (!(error instanceof ApiError) || error.status !== 422) return errors;
  for (const detail of error.details) {
    if (typeof detail !== "object" || detail === null) continue;
    const { field, message, issue } = detail as { field?: unknown; message?: unknown; issue?: unknown };
    if (typeof field !== "string") continue;
    const named = LIMIT_FIELDS.find((name) => field.split(".").includes(name));
    if (!named || errors[named]) continue;
    const words = typeof message === "string" && message ? message : error.message;
    errors[named] = issue === "not_positive" ? "The limit must be more than zero (leave it empty for no limit)." : `The API refused it: ${words}`;
  }
  return errors;
}

/** A rule in words (a violation's, a rejection's). */
export const RULE_LABELS: Record<RiskRule, string> = {
  max_loss_per_day: "Max loss per day",
  max_order_value: "Max order value",
  max_position_value: "Max position value",
  max_open_positions: "Max open positions",
  max_quantity_per_order: "Max quantity per order",
  allowed_exchanges: "Allowed exchanges",
  allowed_instruments: "Allowed instruments",
};

export function ruleLabel(rule: string): string {
  return (RULE_LABELS as Record<string, string>)[rule] ?? rule.replace(/_/g, " ");
}

/** Whether a violation's value and limit are counts (else INR). */
export function countsRule(rule: string): boolean {
  return rule === "max_open_positions" || rule === "max_quantity_per_order";
}
