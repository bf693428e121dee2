import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { BrokerAccountOut, PaperAccount, RiskLimits } from "../api/types";
import { accountChoices, accountLabel } from "./accounts";
import { countsRule, draftOf, EMPTY_LIMITS, instrumentsOf, limitsRequest, ruleLabel, serverErrors, validateLimits, type LimitsDraft } from "./limits";

function draft(fields: Partial<LimitsDraft>): LimitsDraft {
  return { ...EMPTY_LIMITS, ...fields };
}

describe("the limits form's checks (as LimitsIn's)", () => {
  it("accepts an empty form: no limit anywhere", () => {
    expect(validateLimits(EMPTY_LIMITS)).toEqual({});
    expect(limitsRequest(EMPTY_LIMITS)).toEqual({
      maxLossPerDay: null,
      maxOrderValue: null,
      maxPositionValue: null,
      maxOpenPositions: null,
      maxQuantityPerOrder: null,
      allowedExchanges: null,
      allowedInstruments: null,
    });
  });

  it.each([
    ["5000", true],
    ["2,500.50", true], // Indian grouping typed by hand
    ["999999999999.9999", true], // the API's largest
    ["0.0001", true],
    ["1000000000000", false], // 13 digits
    ["1.23456", false], // 5 decimals
    ["-5", false],
    ["1e3", false],
    ["abc", false],
  ])("money %s is accepted: %s", (value, ok) => {
    expect(validateLimits(draft({ maxOrderValue: value })).maxOrderValue === undefined).toBe(ok);
  });

  it("refuses a zero limit as the API's 422 does (not_positive), saying empty means none", () => {
    expect(validateLimits(draft({ maxLossPerDay: "0.0000" })).maxLossPerDay).toBe(
      "The limit must be more than zero (leave it empty for no limit).",
    );
  });

  it("keeps counts whole and within the API's ranges", () => {
    expect(validateLimits(draft({ maxOpenPositions: "10000", maxQuantityPerOrder: "10000000" }))).toEqual({});
    const errors = validateLimits(draft({ maxOpenPositions: "10001", maxQuantityPerOrder: "2.5" }));
    expect(errors.maxOpenPositions).toBe("Enter a whole number from 1 to 10,000 (empty: no limit).");
    expect(errors.maxQuantityPerOrder).toBe("Enter a whole number from 1 to 1,00,00,000 (empty: no limit).");
    expect(validateLimits(draft({ maxOpenPositions: "0" })).maxOpenPositions).toBeDefined();
  });

  it("asks for at least one exchange when they are restricted", () => {
    expect(validateLimits(draft({ allowedExchanges: [] })).allowedExchanges).toContain("at least one exchange");
    expect(validateLimits(draft({ allowedExchanges: ["NSE"] }))).toEqual({});
  });

  it("reads instruments as EXCHANGE:SYMBOL in any case and separator, each once, and names the wrong ones", () => {
    expect(instrumentsOf("nse:infy, NSE:TCS\nbse:m&m  NSE:INFY")).toEqual(["NSE:INFY", "NSE:TCS", "BSE:M&M"]);
    expect(validateLimits(draft({ allowedInstruments: "nse:infy INFY XYZ:ABC" })).allowedInstruments).toBe(
      "Write each instrument as EXCHANGE:SYMBOL, e.g. NSE:INFY (not INFY, XYZ:ABC).",
    );
    const many = Array.from({ length: 501 }, (_, index) => `NSE:S${String(index)}`).join(",");
    expect(validateLimits(draft({ allowedInstruments: many })).allowedInstruments).toBe("At most 500 instruments (501 given).");
  });
});

describe("the PUT body", () => {
  it("sends money as the decimal string typed (commas dropped), counts as numbers, lists in the API's order", () => {
    const body = limitsRequest(
      draft({ maxLossPerDay: " 5,000.25 ", maxOpenPositions: "3", allowedExchanges: ["NFO", "NSE"], allowedInstruments: "nse:infy" }),
    );
    expect(body).toMatchObject({
      maxLossPerDay: "5000.25",
      maxOrderValue: null,
      maxOpenPositions: 3,
      allowedExchanges: ["NSE", "NFO"],
      allowedInstruments: ["NSE:INFY"],
    });
  });

  it("reads stored limits back into a draft that saves them unchanged", () => {
    const stored: RiskLimits = {
      scope: "user",
      accountId: null,
      maxLossPerDay: "5000",
      maxOrderValue: null,
      maxPositionValue: "250000.5",
      maxOpenPositions: 5,
      maxQuantityPerOrder: null,
      allowedExchanges: ["NSE", "BSE"],
      allowedInstruments: ["NSE:INFY", "NSE:TCS"],
      updatedAt: "2026-12-07T10:00:00+05:30",
    };
    const read = draftOf(stored);
    expect(read).toEqual({
      maxLossPerDay: "5000",
      maxOrderValue: "",
      maxPositionValue: "250000.5",
      maxOpenPositions: "5",
      maxQuantityPerOrder: "",
      allowedExchanges: ["NSE", "BSE"],
      allowedInstruments: "NSE:INFY, NSE:TCS",
    });
    // and saving it unchanged sends back exactly what is stored
    const { scope, accountId, updatedAt, ...body } = stored;
    expect([scope, accountId, updatedAt]).toEqual(["user", null, "2026-12-07T10:00:00+05:30"]);
    expect(limitsRequest(read)).toEqual(body);
  });
});

describe("the API's 422s on the fields", () => {
  it("puts each detail beside the field it names, and a zero's in the form's own words", () => {
    const refused = new ApiError(422, "VALIDATION_ERROR", "invalid request", [
      { field: "body.maxOrderValue", issue: "string_pattern_mismatch", message: "String should match pattern" },
      { field: "maxLossPerDay", issue: "not_positive" },
      { field: "body.allowedInstruments.2", issue: "string_pattern_mismatch", message: "bad instrument" },
      { field: "body.somethingElse", issue: "extra_forbidden", message: "Extra inputs are not permitted" },
    ]);
    expect(serverErrors(refused)).toEqual({
      maxOrderValue: "The API refused it: String should match pattern",
      maxLossPerDay: "The limit must be more than zero (leave it empty for no limit).",
      allowedInstruments: "The API refused it: bad instrument",
    });
  });

  it("leaves any other error to the page", () => {
    expect(serverErrors(new ApiError(404, "NOT_FOUND", "no such account", [{ field: "maxLossPerDay" }]))).toEqual({});
    expect(serverErrors(new Error("offline"))).toEqual({});
  });
});

describe("rules and accounts in words", () => {
  it("names each rule, and one the API adds later", () => {
    expect(ruleLabel("max_loss_per_day")).toBe("Max loss per day");
    expect(ruleLabel("max_sector_exposure")).toBe("max sector exposure");
    expect([countsRule("max_open_positions"), countsRule("max_order_value")]).toEqual([true, false]);
  });

  it("lists open paper accounts, closed ones, then broker accounts, each said", () => {
    const paper = [
      { accountId: "pa_2", name: "Old", status: "closed" },
      { accountId: "pa_1", name: "Practice", status: "open" },
    ] as PaperAccount[];
    const broker = [{ accountId: "ba_1", broker: "zerodha", brokerUserId: "AB1234" }] as BrokerAccountOut[];
    const choices = accountChoices(paper, broker);
    expect(choices).toEqual([
      { accountId: "pa_1", label: "Paper: Practice" },
      { accountId: "pa_2", label: "Paper: Old (closed)" },
      { accountId: "ba_1", label: "Zerodha AB1234" },
    ]);
    expect(accountLabel(choices, "pa_9")).toBe("pa_9");
  });
});
