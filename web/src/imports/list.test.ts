import { describe, expect, it } from "vitest";
import type { ImportStatus } from "../api/types";
import { importSummary } from "./list";

function status(fields: Partial<ImportStatus>): ImportStatus {
  return {
    importId: "imp_1",
    state: "queued",
    format: "zerodha_tradebook",
    accountId: "import",
    rowsDone: 0,
    imported: 0,
    duplicates: 0,
    rejected: [],
    rejectedCount: 0,
    instruments: 0,
    phase: null,
    pairsDone: 0,
    unmatchedExits: 0,
    unmatchedUnits: 0,
    error: null,
    createdAt: "2025-06-01T10:00:00+05:30",
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

describe("an import in the list, in words", () => {
  it("shows a running import's progress by phase", () => {
    // Given an import storing, then recomputing
    const storing = importSummary(status({ state: "running", phase: "storing", rowsDone: 2000 }));
    const recomputing = importSummary(status({ state: "running", phase: "recomputing", instruments: 10, pairsDone: 4 }));
    // Then the label says running, the detail the phase, and the progress bar its figures
    expect([storing.label, storing.detail, storing.progress]).toEqual(["Running", "Storing fills: 2000 rows done", { value: null, max: 1 }]);
    expect([recomputing.detail, recomputing.progress]).toEqual(["Recomputing trades: 4 of 10 instruments", { value: 4, max: 10 }]);
  });

  it("gives a succeeded import's counts", () => {
    const done = importSummary(status({ state: "succeeded", rowsDone: 6, imported: 5, duplicates: 1, unmatchedExits: 2 }));
    expect(done.label).toBe("Succeeded");
    expect(done.tone).toBe("good");
    expect(done.detail).toBe("6 rows read: 5 imported, 1 duplicates, 0 rejected; 2 sells found no earlier buy (see Data quality)");
    expect(done.advice).toBeNull();
  });

  it("names a failed import's code and what to do, INTERRUPTED above all", () => {
    const error = { code: "INTERRUPTED", message: "the import was interrupted: upload the file again" };
    const interrupted = importSummary(status({ state: "failed", error }));
    expect(interrupted.label).toBe("Failed (INTERRUPTED)");
    expect(interrupted.detail).toBe(error.message);
    expect(interrupted.advice).toContain("Upload the same file again");
    const bad = importSummary(status({ state: "failed", error: { code: "VALIDATION_ERROR", message: "line 3: bad date" } }));
    expect(bad.advice).toContain("Fix the file");
    const unknown = importSummary(status({ state: "failed", error: { code: "SOMETHING_NEW", message: "x" } }));
    expect(unknown.advice).toContain("Upload the file again");
  });

  it("says when the file never arrived", () => {
    expect(importSummary(status({ state: "awaiting_upload" })).advice).toContain("import it again");
  });
});
