import { describe, expect, it } from "vitest";
import { formatInr } from "../format";
import { alertRequest, describeAlert, normalizeSymbol, toScaled, validateAlert, type AlertDraft } from "./validate";

const draft = (fields: Partial<AlertDraft>): AlertDraft => ({
  symbol: "NSE:INFY",
  condition: "above",
  value: "1550.5",
  channels: ["push"],
  repeat: false,
  ...fields,
});

describe("alert form validation (as the API's)", () => {
  it("accepts EXCHANGE:SYMBOL in any case, trimmed, and refuses anything else", () => {
    expect(normalizeSymbol(" nse:infy ")).toBe("NSE:INFY");
    expect(normalizeSymbol("NSE:NIFTY 50")).toBe("NSE:NIFTY 50");
    expect(normalizeSymbol("MCX:GOLDM24APRFUT")).toBe("MCX:GOLDM24APRFUT");
    expect(normalizeSymbol("INFY")).toBeNull();
    expect(normalizeSymbol("NYSE:IBM")).toBeNull();
    expect(normalizeSymbol("NSE:-INFY")).toBeNull();
    expect(normalizeSymbol(`NSE:${"A".repeat(41)}`)).toBeNull();
  });

  it("reads decimals exactly, scaled by 10^4", () => {
    expect(toScaled("1550.5")).toBe(15_505_000n);
    expect(toScaled("-2.5")).toBe(-25_000n);
    expect(toScaled("999999999999.9999")).toBe(9_999_999_999_999_999n);
    expect(toScaled("1.23456")).toBeNull(); // 5 decimals
    expect(toScaled("1e3")).toBeNull();
    expect(toScaled("")).toBeNull();
  });

  it("wants a positive price below a crore for price levels", () => {
    expect(validateAlert(draft({ value: "0" }), false).value).toMatch(/positive/);
    expect(validateAlert(draft({ value: "-5" }), false).value).toMatch(/positive/);
    expect(validateAlert(draft({ value: "10000000" }), false).value).toMatch(/positive/);
    expect(validateAlert(draft({ value: "9999999.9999" }), false)).toEqual({});
  });

  it("wants a percent between -100 and 1000 for change conditions", () => {
    expect(validateAlert(draft({ condition: "pct_change_below", value: "-100" }), false)).toEqual({});
    expect(validateAlert(draft({ condition: "pct_change_below", value: "-100.01" }), false).value).toMatch(/-100/);
    expect(validateAlert(draft({ condition: "pct_change_above", value: "1000" }), false)).toEqual({});
    expect(validateAlert(draft({ condition: "pct_change_above", value: "1000.0001" }), false).value).toBeDefined();
    expect(validateAlert(draft({ condition: "pct_change_above", value: "-2.5" }), false)).toEqual({});
  });

  it("needs a channel, and SMS only with a verified phone", () => {
    expect(validateAlert(draft({ channels: [] }), true).channels).toMatch(/at least one/);
    expect(validateAlert(draft({ channels: ["sms"] }), false).channels).toMatch(/verified phone/);
    expect(validateAlert(draft({ channels: ["sms", "email"] }), true)).toEqual({});
  });

  it("sends the canonical symbol, the trimmed value and distinct channels", () => {
    const request = alertRequest(draft({ symbol: "bse:sbin", value: " 801.25 ", channels: ["push", "push", "email"] }));
    expect(request).toEqual({ symbol: "BSE:SBIN", condition: "above", value: "801.25", channels: ["push", "email"], repeat: false });
  });

  it("describes an alert in words, with the price in rupees", () => {
    expect(describeAlert("NSE:INFY", "below", "1550.5", formatInr)).toBe("NSE:INFY at or below ₹1,550.50");
    expect(describeAlert("NSE:INFY", "pct_change_below", "-2.5", formatInr)).toBe(
      "NSE:INFY change since the previous close at or below -2.5%",
    );
  });
});
