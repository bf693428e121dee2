import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { ImportStatus, UploadTicket } from "../api/types";
import { countDataRows, importMethod, isTerminal, JSON_MAX_BYTES, progressOf, startUpload, type UploadDeps } from "./upload";

const base = { state: "running" as const, phase: "storing" as const, rowsDone: 0, pairsDone: 0, instruments: 0, error: null };

describe("import method and rows", () => {
  it("sends small files as JSON and larger ones (or on request) through the upload", () => {
    expect(importMethod(1000, 10, false)).toBe("json");
    expect(importMethod(JSON_MAX_BYTES + 1, 10, false)).toBe("upload");
    expect(importMethod(1000, 5001, false)).toBe("upload");
    expect(importMethod(1000, 10, true)).toBe("upload");
  });
  it("counts data rows after the header, ignoring blank lines", () => {
    expect(countDataRows("a,b\r\n1,2\n\n3,4\n")).toBe(2);
    expect(countDataRows("")).toBe(0);
  });
});

describe("progressOf", () => {
  it("follows the worker's phases to done", () => {
    expect(progressOf({ ...base, state: "queued", phase: null }, 7)).toMatchObject({ value: null, done: false });
    expect(progressOf({ ...base, rowsDone: 3 }, 7)).toEqual({ label: "Storing fills: 3 of 7 rows done", value: 3, max: 7, done: false });
    expect(progressOf({ ...base, rowsDone: 3 }, null)).toMatchObject({ label: "Storing fills: 3 rows done", value: null });
    expect(progressOf({ ...base, phase: "recomputing", rowsDone: 7, pairsDone: 1, instruments: 4 }, 7)).toMatchObject({ value: 1, max: 4 });
    expect(progressOf({ ...base, state: "succeeded", phase: null, rowsDone: 7 }, 7)).toMatchObject({ label: "Done: 7 rows read", done: true });
    const failed = progressOf({ ...base, state: "failed", phase: null, error: { code: "UNPROCESSABLE", message: "no header row" } }, 7);
    expect(failed).toMatchObject({ label: "Failed: no header row (UNPROCESSABLE)", done: true });
    expect([isTerminal("running"), isTerminal("succeeded"), isTerminal("failed")]).toEqual([false, true, true]);
  });
});

describe("startUpload", () => {
  const ticket: UploadTicket = {
    importId: "imp_1",
    uploadUrl: "http://s3.local/bucket/key?X-Amz-Signature=abc",
    method: "PUT",
    headers: { "Content-Type": "text/csv" },
    expiresIn: 900,
    maxBytes: 100,
    startUrl: "/v1/imports/imp_1/start",
  };

  function deps(putStatus: number, putBody = ""): { deps: UploadDeps; calls: string[]; puts: RequestInit[] } {
    const calls: string[] = [];
    const puts: RequestInit[] = [];
    return {
      calls,
      puts,
      deps: {
        api: <T>(path: string, options: { method: "POST" | "GET"; body?: unknown }) => {
          calls.push(`${options.method} ${path} ${JSON.stringify(options.body ?? null)}`);
          return Promise.resolve((path === "/v1/imports/uploads" ? ticket : ({ importId: "imp_1", state: "queued" } as ImportStatus)) as T);
        },
        fetch: (url, init) => {
          calls.push(`PUT ${url}`);
          puts.push(init);
          return Promise.resolve(new Response(putBody, { status: putStatus }));
        },
      },
    };
  }

  it("asks for a ticket, PUTs the bytes with exactly its headers, then starts", async () => {
    // Given the API's ticket and an S3 that accepts the PUT
    const { deps: d, calls, puts } = deps(200);
    // When a file is uploaded
    const status = await startUpload(d, new Blob(["a,b\n1,2\n"]), "zerodha_tradebook", "kite1");
    // Then the three steps ran in order, the PUT without an Authorization header
    expect(calls).toEqual([
      'POST /v1/imports/uploads {"format":"zerodha_tradebook","accountId":"kite1"}',
      `PUT ${ticket.uploadUrl}`,
      "POST /v1/imports/imp_1/start null",
    ]);
    expect(puts[0]?.headers).toEqual({ "Content-Type": "text/csv" });
    expect(status.state).toBe("queued");
  });

  it("stops with S3's message when the PUT is refused, and never starts", async () => {
    const { deps: d, calls } = deps(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>The signature does not match</Message></Error>");
    await expect(startUpload(d, new Blob(["x"]), "generic", null)).rejects.toThrow("The upload was refused: The signature does not match");
    expect(calls.some((call) => call.includes("/start"))).toBe(false);
  });

  it("refuses a file over the ticket's maxBytes before the PUT", async () => {
    const { deps: d, calls } = deps(200);
    const error = await startUpload(d, new Blob(["x".repeat(101)]), "generic", null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(1);
  });
});
