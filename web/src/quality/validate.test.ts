import { describe, expect, it } from "vitest";
import { acquiredOnError, dayBefore, fyParam, istDay, lotSymbol, priceError, quantityError } from "./validate";

describe("data-quality form checks (as the API's)", () => {
  it("accepts prices > 0 with at most 4 decimals and up to ₹10 crore", () => {
    expect(priceError("1450.5")).toBeNull();
    expect(priceError("0.0001")).toBeNull();
    expect(priceError("100000000")).toBeNull();
    expect(priceError("100000000.0001")).toMatch(/at most/);
    expect(priceError("0")).toMatch(/more than 0/);
    expect(priceError("0", true)).toBeNull(); // a settlement price may be 0
    expect(priceError("1.23456")).toMatch(/4 decimals/);
    expect(priceError("-5")).toMatch(/rupees/);
    expect(priceError(" ")).toMatch(/Enter/);
  });

  it("takes whole units from 1 to 1 crore", () => {
    expect(quantityError("10")).toBeNull();
    expect(quantityError("0")).toMatch(/Between/);
    expect(quantityError("10000001")).toMatch(/Between/);
    expect(quantityError("2.5")).toMatch(/Whole/);
  });

  it("wants the lot acquired before the sell's IST day", () => {
    // a sell at 00:30 IST on 3 Mar is 2 Mar in UTC: its IST day is the 3rd
    expect(istDay("2025-03-03T00:30:00+05:30")).toBe("2025-03-03");
    expect(dayBefore("2025-03-01")).toBe("2025-02-28");
    expect(acquiredOnError("2025-03-02", "2025-03-03")).toBeNull();
    expect(acquiredOnError("2025-03-03", "2025-03-03")).toMatch(/Before/);
    expect(acquiredOnError("2025-02-30", "2025-03-03")).toMatch(/YYYY/);
    expect(acquiredOnError("1999-12-31", "2025-03-03")).toMatch(/2000/);
  });

  it("names the lot by the instrument's symbol and the FY as the API's parameter", () => {
    expect(lotSymbol("EQ:INFY", "INFY-BE")).toBe("INFY");
    expect(lotSymbol("NSE:ODD", "ODD")).toBe("ODD");
    expect(fyParam(2024)).toBe("2024-25");
    expect(fyParam(2099)).toBe("2099-00");
  });
});
