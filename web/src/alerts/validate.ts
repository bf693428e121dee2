// The alert form's checks, the same as the API's (tradetrack.models.market.CreateAlertRequest and
// tradetrack.alerts._check_value), so a trader sees the problem beside the field before sending.
// Values are compared as integers scaled by 10^4 (BigInt), never as floats.

export type AlertCondition = "above" | "below" | "pct_change_above" | "pct_change_below";
export type AlertChannel = "email" | "sms" | "push";

export const EXCHANGES = ["NSE", "BSE", "NFO", "BFO", "MCX", "CDS"] as const;
const SYMBOL = new RegExp(`^(?:${EXCHANGES.join("|")}):[A-Z0-9][A-Z0-9 &_.\\-]{0,39}$`);
const DECIMAL = /^(-)?(\d{1,12})(?:\.(\d{1,4}))?$/;
const SCALE = 10_000n;
const PRICE_LIMIT = 10_000_000n * SCALE; // 1 crore, exclusive
const PCT_LIMIT = 1_000n * SCALE;

export interface AlertDraft {
  symbol: string;
  condition: AlertCondition;
  value: string;
  channels: AlertChannel[];
  repeat: boolean;
}

export type AlertErrors = Partial<Record<"symbol" | "value" | "channels", string>>;

/** EXCHANGE:SYMBOL as the API stores it (trimmed, upper case), or null when it is not one. */
export function normalizeSymbol(raw: string): string | null {
  if (raw.length > 64) return null;
  const value = raw.trim().toUpperCase();
  return SYMBOL.test(value) && !value.endsWith(" ") ? value : null;
}

/** A decimal string (up to 12 digits and 4 decimals) as an integer × 10^4, or null. */
export function toScaled(text: string): bigint | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, minus, whole = "0", fraction = ""] = match;
  const scaled = BigInt(whole) * SCALE + BigInt(fraction.padEnd(4, "0"));
  return minus ? -scaled : scaled;
}

export function isPercent(condition: AlertCondition): boolean {
  return condition === "pct_change_above" || condition === "pct_change_below";
}

/** The problems of a draft by field (empty when the API would accept it). */
export function validateAlert(draft: AlertDraft, phoneVerified: boolean): AlertErrors {
  const errors: AlertErrors = {};
  if (normalizeSymbol(draft.symbol) === null) {
    errors.symbol = `Enter EXCHANGE:SYMBOL, e.g. NSE:INFY (exchanges: ${EXCHANGES.join(", ")}).`;
  }
  const value = toScaled(draft.value.trim());
  if (value === null) {
    errors.value = "Enter a number with at most 4 decimals, e.g. 1550.5.";
  } else if (!isPercent(draft.condition)) {
    if (value <= 0n || value >= PRICE_LIMIT) errors.value = "A price level must be positive (below ₹1,00,00,000).";
  } else if (value < -PCT_LIMIT || value > PCT_LIMIT || (draft.condition === "pct_change_below" && value < -100n * SCALE)) {
    errors.value = "A percent change must lie between -100 and 1000.";
  }
  if (draft.channels.length === 0) errors.channels = "Choose at least one way to be told.";
  else if (draft.channels.includes("sms") && !phoneVerified) {
    errors.channels = "SMS needs a verified phone number: verify one on the Profile page first.";
  }
  return errors;
}

/** The request body for POST /v1/alerts from a valid draft. */
export function alertRequest(draft: AlertDraft): AlertDraft {
  return {
    symbol: normalizeSymbol(draft.symbol) ?? draft.symbol,
    condition: draft.condition,
    value: draft.value.trim(),
    channels: [...new Set(draft.channels)],
    repeat: draft.repeat,
  };
}

const CONDITION_TEXT: Record<AlertCondition, string> = {
  above: "at or above",
  below: "at or below",
  pct_change_above: "change since the previous close at or above",
  pct_change_below: "change since the previous close at or below",
};

/** "NSE:INFY at or above ₹1,550.50" / "NSE:INFY change since the previous close at or below -2.5%". */
export function describeAlert(symbol: string, condition: AlertCondition, value: string, formatPrice: (v: string) => string): string {
  const level = isPercent(condition) ? `${value}%` : formatPrice(value);
  return `${symbol} ${CONDITION_TEXT[condition]} ${level}`;
}
