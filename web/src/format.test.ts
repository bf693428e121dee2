import { describe, expect, it } from "vitest";
import { formatInr, formatProfitFactor, signOf, toPaise } from "./format";

describe("formatInr", () => {
  it("groups digits the Indian way and rounds to paise exactly", () => {
    // Given decimal strings as the API sends them; Then en-IN grouping, two decimals
    expect(formatInr("122221.0688")).toBe("₹1,22,221.07");
    expect(formatInr("-1234567.005")).toBe("-₹12,34,567.01");
    expect(formatInr("0")).toBe("₹0.00");
    expect(formatInr("999.994")).toBe("₹999.99");
  });

  it("agrees with Intl's exact decimal formatting where float would not", () => {
    // Given amounts past float's exact range; Then the same text as Intl fed the string itself
    const intl = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });
    for (const value of ["90071992547409.935", "-0.005", "1.005", "123456789012345678.995"]) {
      expect(formatInr(value)).toBe(intl.format(value as `${number}`));
    }
  });

  it("shows absent values as a dash and malformed ones as they came", () => {
    expect(formatInr(null)).toBe("—");
    expect(formatInr("abc")).toBe("abc");
  });
});

describe("toPaise and signOf", () => {
  it("reads signs and fractions without float", () => {
    expect(toPaise("-0.015")).toBe(-2n);
    expect(toPaise("+12.3")).toBe(1230n);
    expect(signOf("-0.001")).toBe(0);
    expect(signOf("-0.01")).toBe(-1);
    expect(signOf("5")).toBe(1);
  });
});

describe("formatProfitFactor", () => {
  it("says infinite when there are wins and no losses, and nothing when there are no wins", () => {
    expect(formatProfitFactor(null, 2, 0)).toBe("∞ (no losses)");
    expect(formatProfitFactor(null, 0, 0)).toBe("—");
    expect(formatProfitFactor(1.5, 3, 2)).toBe("1.50");
  });
});
