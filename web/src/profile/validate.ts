// The Profile page's checks, as the API makes them (tradetrack.models.users, tradetrack.phone.models,
// tradetrack.auth.passwords): the API stays the judge (its message is shown when it refuses), these
// only catch the obvious before a round trip.

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

export interface PasswordChange {
  current: string;
  next: string;
  confirm: string;
}

export function validatePasswordChange(change: PasswordChange): Partial<Record<keyof PasswordChange, string>> {
  const errors: Partial<Record<keyof PasswordChange, string>> = {};
  if (!change.current) errors.current = "Enter your current password.";
  if (change.next.length < PASSWORD_MIN) errors.next = `Use at least ${PASSWORD_MIN} characters (a passphrase works well).`;
  else if (change.next.length > PASSWORD_MAX) errors.next = `Use at most ${PASSWORD_MAX} characters.`;
  else if (change.next === change.current) errors.next = "Choose a password different from the current one.";
  if (!errors.next && change.confirm !== change.next) errors.confirm = "The two new passwords differ.";
  return errors;
}

const CAPITAL = /^(\d{1,13})(?:\.(\d{1,4}))?$/;
const CAPITAL_LIMIT = 1_000_000_000_000n * 10_000n; // ₹10^12, scaled by 10^4

/** Trading capital in rupees: empty (none), or 0 to 10^12 with at most 4 decimals; the problem or null. */
export function capitalProblem(text: string): string | null {
  const value = text.trim().replace(/,/g, "");
  if (value === "") return null;
  const match = CAPITAL.exec(value);
  if (!match) return "Enter rupees as a number with at most 4 decimals, e.g. 500000.";
  const [, whole = "0", fraction = ""] = match;
  if (BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, "0")) > CAPITAL_LIMIT) {
    return "At most ₹10,00,00,00,00,000.";
  }
  return null;
}

/** The capital as the API takes it: a decimal string without grouping commas, or null to clear it. */
export function capitalValue(text: string): string | null {
  const value = text.trim().replace(/,/g, "");
  return value === "" ? null : value;
}

const E164 = /^\+[1-9]\d{7,14}$/;
const INDIAN_MOBILE = /^\+91[6-9]\d{9}$/;

/** A phone number for SMS (E.164, Indian mobiles checked as the API does); the problem or null. */
export function phoneProblem(raw: string): string | null {
  const phone = raw.replace(/[\s-]/g, "");
  if (!E164.test(phone)) return "Enter the number with its country code, e.g. +919876543210.";
  if (phone.startsWith("+91") && !INDIAN_MOBILE.test(phone)) {
    return "An Indian mobile number is +91 followed by 10 digits starting with 6, 7, 8 or 9.";
  }
  return null;
}

export function normalizePhone(raw: string): string {
  return raw.replace(/[\s-]/g, "");
}

export function codeProblem(code: string): string | null {
  return /^\d{6}$/.test(code.trim()) ? null : "The code is the 6 digits of the SMS.";
}
