import { describe, expect, it } from "vitest";
import type { ReportOut } from "../api/types";
import { defaultPeriod, formatSize, mergeReports, periodError, pollDelay, readsItself, reportRequest, upsertReport, urlExpired } from "./request";

function report(fields: Partial<ReportOut>): ReportOut {
  return {
    reportId: "rpt_000000000000000000000001",
    kind: "tax_pnl",
    period: "2024-25",
    format: "pdf",
    status: "queued",
    fileName: "tradetrack-tax-pnl-FY2024-25.pdf",
    createdAt: "2025-06-01T10:00:00+05:30",
    readyAt: null,
    size: null,
    downloadUrl: null,
    expiresAt: null,
    error: null,
    ...fields,
  };
}

describe("report periods, as the API checks them", () => {
  it("takes a financial year whose second year follows the first", () => {
    // Given FY periods / When checked / Then only consecutive years pass
    expect(periodError("tax_pnl", "2024-25")).toBeNull();
    expect(periodError("trade_history", " 2099-00 ")).toBeNull(); // 2099-2100 wraps to 00
    expect(periodError("tax_pnl", "2024-26")).toContain("2024-25");
    expect(periodError("tax_pnl", "FY24")).toContain("YYYY-YY");
    expect(periodError("tax_pnl", "2024-2025")).toContain("YYYY-YY");
  });

  it("takes a month for a monthly statement, and no financial year", () => {
    expect(periodError("monthly_statement", "2025-06")).toBeNull();
    expect(periodError("monthly_statement", "2025-13")).toContain("YYYY-MM");
    expect(periodError("monthly_statement", "2025-00")).toContain("YYYY-MM");
  });

  it("defaults to the last finished financial year, or last month", () => {
    // Given 5 Dec 2026 (FY 2026-27 running) and 10 Jan 2027 (a month back is December 2026)
    expect(defaultPeriod("tax_pnl", new Date(2026, 11, 5))).toBe("2025-26");
    expect(defaultPeriod("tax_pnl", new Date(2027, 1, 5))).toBe("2025-26");
    expect(defaultPeriod("tax_pnl", new Date(2027, 3, 1))).toBe("2026-27");
    expect(defaultPeriod("monthly_statement", new Date(2027, 0, 10))).toBe("2026-12");
  });

  it("sends a format the kind has", () => {
    expect(reportRequest("tax_pnl", " 2024-25 ", "xlsx")).toEqual({ kind: "tax_pnl", period: "2024-25", format: "xlsx" });
    // a PDF trade history does not exist: the kind's first format goes instead
    expect(reportRequest("trade_history", "2024-25", "pdf").format).toBe("csv");
    expect(reportRequest("monthly_statement", "2025-06", "csv").format).toBe("pdf");
  });
});

describe("following a report", () => {
  it("polls with a doubling wait capped at 15 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(pollDelay)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it("asks for a new URL when there is none, or it expires within 15 s", () => {
    const now = new Date("2025-06-01T10:00:00Z");
    expect(urlExpired(report({ downloadUrl: null, expiresAt: null }), now)).toBe(true);
    const ready = { downloadUrl: "http://s3/file.pdf", status: "ready" as const };
    expect(urlExpired(report({ ...ready, expiresAt: "2025-06-01T10:05:00Z" }), now)).toBe(false);
    expect(urlExpired(report({ ...ready, expiresAt: "2025-06-01T10:00:10Z" }), now)).toBe(true);
    expect(urlExpired(report({ ...ready, expiresAt: "2025-06-01T09:59:00Z" }), now)).toBe(true);
    expect(urlExpired(report({ ...ready, expiresAt: "not a time" }), now)).toBe(true);
  });

  it("keeps the session's list newest first, replacing a report where it is", () => {
    const first = report({ reportId: "rpt_a" });
    const second = report({ reportId: "rpt_b" });
    const list = upsertReport(upsertReport([], first), second);
    expect(list.map((item) => item.reportId)).toEqual(["rpt_b", "rpt_a"]);
    const ready = upsertReport(list, { ...first, status: "ready" });
    expect(ready.map((item) => [item.reportId, item.status])).toEqual([
      ["rpt_b", "queued"],
      ["rpt_a", "ready"],
    ]);
  });

  it("sizes files in B, KB and MB", () => {
    expect([formatSize(null), formatSize(512), formatSize(2048), formatSize(3 * 1024 * 1024)]).toEqual(["—", "512 B", "2.0 KB", "3.0 MB"]);
  });
});

describe("the page's list: the API's pages with this session's reports", () => {
  it("shows a report asked for after the list was read first, and each report once", () => {
    // Given the API's list (newest first) and this session's reports, one of them listed too
    const older = report({ reportId: "rpt_000000000000000000000001", createdAt: "2025-06-01T10:00:00+05:30", status: "ready" });
    const listedCopy = report({ reportId: "rpt_000000000000000000000002", createdAt: "2025-06-02T10:00:00+05:30", status: "queued" });
    const sessionCopy = { ...listedCopy, status: "ready" as const };
    const fresh = report({ reportId: "rpt_000000000000000000000003", createdAt: "2025-06-03T09:00:00+05:30" });
    // When merged
    const rows = mergeReports([fresh, sessionCopy], [listedCopy, older]);
    // Then newest first, each once, the session's copy of the one in both
    expect(rows.map((item) => item.reportId)).toEqual([fresh.reportId, listedCopy.reportId, older.reportId]);
    expect(rows[1]?.status).toBe("ready");
  });

  it("orders by the instant asked, whatever the offset it is written in", () => {
    // Given a session report written in UTC that is older than a listed one in IST
    const utc = report({ reportId: "rpt_00000000000000000000000a", createdAt: "2025-06-01T04:00:00Z" }); // 09:30 IST
    const ist = report({ reportId: "rpt_00000000000000000000000b", createdAt: "2025-06-01T10:00:00+05:30" });
    // When merged / Then the later instant comes first
    expect(mergeReports([utc], [ist]).map((item) => item.reportId)).toEqual([ist.reportId, utc.reportId]);
  });

  it("is empty with nothing asked for and nothing listed", () => {
    expect(mergeReports([], [])).toEqual([]);
  });
});

describe("which rows read their report by themselves", () => {
  it("reads while a report is made and to renew a URL, not for a listed ready report", () => {
    // Given reports in each state / When asked / Then only unfinished ones and ready ones holding a URL read
    expect(readsItself({ status: "queued", downloadUrl: null })).toBe(true);
    expect(readsItself({ status: "running", downloadUrl: null })).toBe(true);
    expect(readsItself({ status: "ready", downloadUrl: "https://s3/x" })).toBe(true);
    expect(readsItself({ status: "ready", downloadUrl: null })).toBe(false); // from the list: fetched on Download
    expect(readsItself({ status: "failed", downloadUrl: null })).toBe(false);
  });
});
