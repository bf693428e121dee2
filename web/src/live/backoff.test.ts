import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay } from "./backoff";

const policy = { baseMs: 1_000, maxMs: 30_000 };

describe("reconnect backoff", () => {
  it("doubles the ceiling each attempt up to the cap", () => {
    // Given attempts 0..7; Then the ceilings double from the base and stop at the cap
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffCeiling(attempt, policy));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("stays at the cap for very large attempt counts (no Infinity, no NaN)", () => {
    expect(backoffCeiling(10_000, policy)).toBe(30_000);
    expect(backoffDelay(10_000, policy, () => 0.999)).toBeLessThanOrEqual(30_000);
  });

  it("jitters each delay between half and all of the ceiling", () => {
    // Given the lowest and the highest random draws
    // Then the delay spans [ceiling/2, ceiling]: never 0 ms, never past the ceiling
    expect(backoffDelay(3, policy, () => 0)).toBe(4_000);
    expect(backoffDelay(3, policy, () => 0.999_999)).toBe(8_000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(6_000);
  });

  it("spreads clients that retry at the same attempt", () => {
    // Given 200 clients at attempt 4 with Math.random; Then their delays differ and stay in range
    const delays = Array.from({ length: 200 }, () => backoffDelay(4, policy));
    expect(new Set(delays).size).toBeGreaterThan(50);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(8_000);
      expect(delay).toBeLessThanOrEqual(16_000);
    }
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffCeiling(-3, policy)).toBe(1_000);
  });
});
