import { describe, expect, it } from "vitest";
import { accountState, expiryText, formatDuration, parseLanding, syncDuration } from "./status";

const now = new Date("2026-12-06T12:00:00+05:30");

describe("broker account status", () => {
  it("words durations with their two largest units", () => {
    expect(formatDuration(30_000)).toBe("under a minute");
    expect(formatDuration(45 * 60_000)).toBe("45 min");
    expect(formatDuration((3 * 60 + 20) * 60_000)).toBe("3 h 20 min");
    expect(formatDuration(2 * 3_600_000)).toBe("2 h");
    expect(formatDuration((2 * 1440 + 4 * 60 + 7) * 60_000)).toBe("2 d 4 h");
  });

  it("says when the broker login expires or expired", () => {
    expect(expiryText("2026-12-07T06:00:00+05:30", now)).toBe("expires in 18 h");
    expect(expiryText("2026-12-06T10:00:00+05:30", now)).toBe("expired 2 h ago");
    expect(expiryText(null, now)).toBe("no login yet");
  });

  it("asks to reconnect a lapsed login, whether the API marked it yet or not", () => {
    expect(accountState({ status: "needs_login", tokenExpiresAt: null }, now).action).toBe("reconnect");
    expect(accountState({ status: "active", tokenExpiresAt: "2026-12-06T06:00:00+05:30" }, now)).toEqual({
      label: "Login expired: reconnect",
      tone: "bad",
      action: "reconnect",
    });
    expect(accountState({ status: "active", tokenExpiresAt: "2026-12-07T06:00:00+05:30" }, now)).toEqual({
      label: "Connected",
      tone: "good",
      action: null,
    });
    expect(accountState({ status: "pending", tokenExpiresAt: null }, now).action).toBe("continue");
  });

  it("reads the callback's landing query and nothing else", () => {
    expect(parseLanding("?accountId=ba_123&status=active")).toEqual({ accountId: "ba_123", status: "active" });
    expect(parseLanding("?accountId=ba_123&status=hacked")).toBeNull();
    expect(parseLanding("?accountId=<script>&status=active")).toBeNull();
    expect(parseLanding("")).toBeNull();
    expect(parseLanding("?error=BAD_REQUEST&message=this+login+link+has+expired")).toEqual({
      error: "BAD_REQUEST",
      message: "this login link has expired",
    });
    expect(parseLanding("?error=<b>&message=x")).toBeNull();
    expect(parseLanding("?error=FORBIDDEN")).toEqual({ error: "FORBIDDEN", message: "The broker login did not complete." });
  });

  it("words a sync's run time", () => {
    expect(syncDuration("2026-12-06T10:00:00+05:30", "2026-12-06T10:00:04.4+05:30")).toBe("4 s");
    expect(syncDuration("2026-12-06T10:00:00+05:30", "2026-12-06T10:01:05+05:30")).toBe("1 min 5 s");
    expect(syncDuration("2026-12-06T10:00:00+05:30", null)).toBe("—");
  });
});

describe("a login finished with params (ICICI Breeze)", () => {
  it("reads what the broker returned, without the app's own names", () => {
    // Given the callback's redirect for a broker whose login sends no state back (docs/brokers.md)
    const landing = parseLanding("?apisession=52114&broker=breeze&finish=params");
    // Then the landing carries the broker and its params for the signed-in tab to send
    expect(landing).toEqual({ finish: "params", broker: "breeze", params: { apisession: "52114" } });
  });

  it("refuses an unknown broker, no params, or more than the API takes", () => {
    expect(parseLanding("?apisession=1&broker=evil&finish=params")).toBeNull();
    expect(parseLanding("?broker=breeze&finish=params")).toBeNull();
    const many = Array.from({ length: 17 }, (_, i) => `p${String(i)}=x`).join("&");
    expect(parseLanding(`?${many}&broker=breeze&finish=params`)).toBeNull();
    // a too-long name or value is dropped rather than sent
    expect(parseLanding(`?apisession=1&${"n".repeat(65)}=x&broker=breeze&finish=params`)).toEqual({
      finish: "params",
      broker: "breeze",
      params: { apisession: "1" },
    });
  });
});
