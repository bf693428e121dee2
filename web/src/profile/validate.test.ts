import { describe, expect, it } from "vitest";
import { capitalProblem, capitalValue, codeProblem, normalizePhone, phoneProblem, validatePasswordChange } from "./validate";

describe("profile form checks (as the API's)", () => {
  it("wants a long enough new password, different from the current, typed twice alike", () => {
    expect(validatePasswordChange({ current: "", next: "short", confirm: "short" })).toEqual({
      current: "Enter your current password.",
      next: "Use at least 10 characters (a passphrase works well).",
    });
    expect(validatePasswordChange({ current: "Old-Harbour-42", next: "Old-Harbour-42", confirm: "Old-Harbour-42" }).next).toMatch(
      /different/,
    );
    expect(validatePasswordChange({ current: "Old-Harbour-42", next: "New-Lantern-77", confirm: "New-Lantern-7" }).confirm).toMatch(
      /differ/,
    );
    expect(validatePasswordChange({ current: "Old-Harbour-42", next: "New-Lantern-77", confirm: "New-Lantern-77" })).toEqual({});
  });

  it("takes capital as rupees with up to 4 decimals, up to a lakh crore, commas allowed", () => {
    expect(capitalProblem("")).toBeNull();
    expect(capitalProblem("5,00,000")).toBeNull();
    expect(capitalValue("5,00,000")).toBe("500000");
    expect(capitalValue("  ")).toBeNull();
    expect(capitalProblem("1000000000000")).toBeNull();
    expect(capitalProblem("1000000000000.0001")).toMatch(/At most/);
    expect(capitalProblem("10000000000000")).toMatch(/At most|number/);
    expect(capitalProblem("-5")).toMatch(/number/);
    expect(capitalProblem("12.34567")).toMatch(/4 decimals/);
  });

  it("checks phone numbers the way the API does", () => {
    expect(phoneProblem("+91 98765 43210")).toBeNull();
    expect(normalizePhone("+91 98765-43210")).toBe("+919876543210");
    expect(phoneProblem("+915876543210")).toMatch(/Indian mobile/);
    expect(phoneProblem("9876543210")).toMatch(/country code/);
    expect(phoneProblem("+14155550123")).toBeNull();
  });

  it("wants a six-digit code", () => {
    expect(codeProblem("123456")).toBeNull();
    expect(codeProblem("12345")).not.toBeNull();
  });
});
