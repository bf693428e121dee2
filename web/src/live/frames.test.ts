import { describe, expect, it } from "vitest";
import { parseFrame, toastOf } from "./frames";

describe("live frames", () => {
  it("parses a JSON object with a type and ignores anything else", () => {
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: "pong" });
    expect(parseFrame("[1,2]")).toBeNull();
    expect(parseFrame('{"action":"ping"}')).toBeNull();
    expect(parseFrame("{oops")).toBeNull();
  });

  it("turns a fired alert into a toast with the API's message", () => {
    const frame = parseFrame('{"type":"alert","alertId":"al_1","symbol":"NSE:INFY","message":"NSE:INFY rose above 1500"}');
    expect(frame && toastOf(frame)).toEqual({
      title: "Price alert: NSE:INFY",
      message: "NSE:INFY rose above 1500",
      tone: "info",
      sticky: true, // stays until dismissed: the trader may be away
    });
  });

  it("toasts a failed or expired sync, not a successful one, nor quotes", () => {
    const failed = parseFrame('{"type":"sync","accountId":"ba_1","status":"needs_login"}');
    const fine = parseFrame('{"type":"sync","accountId":"ba_1","status":"success","fetched":3,"sent":3}');
    const quote = parseFrame('{"type":"quote","symbol":"NSE:INFY","ltp":"1500"}');
    expect(failed && toastOf(failed)?.title).toBe("Broker login expired");
    expect(fine && toastOf(fine)).toBeNull();
    expect(quote && toastOf(quote)).toBeNull();
    expect(failed && toastOf(failed)?.sticky).toBe(true);
  });
});

describe("the report frame", () => {
  it("says a requested report is ready, and goes by itself", () => {
    // Given the notifier's report_ready frame (docs/reports.md)
    const frame = parseFrame('{"type":"report","reportId":"rpt_0123456789abcdef01234567","status":"ready","notificationId":"n_1"}');
    // When it becomes a toast / Then it names the Reports page and is not sticky
    expect(frame && toastOf(frame)).toEqual({
      title: "Your report is ready",
      message: "Download it from the Reports page.",
      tone: "good",
      sticky: false,
    });
  });
});
