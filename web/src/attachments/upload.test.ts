import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { AttachmentOut, AttachmentUpload } from "../api/types";
import { attachmentErrorText, attachScreenshot, fileProblem, MAX_BYTES, relistDelay, uploadBody, type AttachDeps, type Phase } from "./upload";

function attachment(fields: Partial<AttachmentOut>): AttachmentOut {
  return {
    attachmentId: "att_0123456789abcdef01234567",
    tradeId: "trd_1",
    status: "awaiting_upload",
    fileName: "nifty.png",
    contentType: null,
    size: null,
    width: null,
    height: null,
    thumbnailWidth: null,
    thumbnailHeight: null,
    createdAt: "2025-06-01T10:00:00+05:30",
    readyAt: null,
    url: null,
    thumbnailUrl: null,
    expiresAt: null,
    error: null,
    ...fields,
  };
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("the file, checked before any request", () => {
  it("takes PNG, JPEG and WebP up to exactly 5 MB", () => {
    // Given images of the accepted kinds, one at the limit / When checked / Then none is refused
    expect(fileProblem({ name: "a.png", size: 10, type: "image/png" })).toBeNull();
    expect(fileProblem({ name: "a.jpg", size: 10, type: "image/jpeg" })).toBeNull();
    expect(fileProblem({ name: "a.webp", size: MAX_BYTES, type: "image/webp" })).toBeNull();
    // a browser that gives no type: the extension decides here (the server tells by the bytes)
    expect(fileProblem({ name: "chart.JPEG", size: 10, type: "" })).toBeNull();
  });

  it("refuses one byte over 5 MB, an empty file and other kinds, in words", () => {
    // Given files the API would refuse / When checked / Then each says why
    expect(fileProblem({ name: "big.png", size: MAX_BYTES + 1, type: "image/png" })).toBe(
      "big.png is 5.0 MB (5,242,881 bytes); a screenshot can be at most 5 MB (5,242,880 bytes).",
    );
    expect(fileProblem({ name: "huge.png", size: 7_340_032, type: "image/png" })).toContain("is 7.0 MB");
    expect(fileProblem({ name: "none.png", size: 0, type: "image/png" })).toBe("none.png is empty.");
    expect(fileProblem({ name: "anim.gif", size: 10, type: "image/gif" })).toBe("anim.gif is not a PNG, JPEG or WebP image.");
    expect(fileProblem({ name: "logo.svg", size: 10, type: "image/svg+xml" })).toContain("not a PNG");
    expect(fileProblem({ name: "notes.txt", size: 10, type: "" })).toContain("not a PNG");
  });
});

describe("the presigned POST's body", () => {
  it("sends every field of the form in its order, then the file last", () => {
    // Given a form of three fields and a file
    const form = { fields: { key: "attachments/u/x/upload", policy: "eyJ…", "x-amz-signature": "abc" } };
    // When the body is built
    const body = uploadBody(form, new Blob([PNG], { type: "image/png" }), "nifty.png");
    // Then the fields come first as given and the file, named, last
    const entries = [...body.entries()];
    expect(entries.map(([name]) => name)).toEqual(["key", "policy", "x-amz-signature", "file"]);
    expect(entries[0]?.[1]).toBe("attachments/u/x/upload");
    const file = entries[3]?.[1];
    expect(file instanceof File ? file.name : null).toBe("nifty.png");
  });
});

interface Call {
  path: string;
  method: string;
  body?: unknown;
}

function fakeDeps(answers: { statuses: AttachmentOut["status"][]; post?: Response }) {
  const calls: Call[] = [];
  const posts: { url: string; init: RequestInit }[] = [];
  const sleeps: number[] = [];
  const asked: AttachmentUpload = {
    attachment: attachment({}),
    upload: { url: "http://s3.local/bucket", fields: { key: "k", policy: "p" }, maxBytes: MAX_BYTES, expiresAt: "2025-06-01T10:05:00+05:30" },
  };
  const reads = [...answers.statuses];
  const deps: AttachDeps = {
    api: <T>(path: string, options: { method: "POST" | "GET"; body?: unknown }) => {
      calls.push({ path, method: options.method, body: options.body });
      if (path.startsWith("/v1/attachments/trades/")) return Promise.resolve(asked as T);
      const status = reads.shift() ?? "ready";
      return Promise.resolve(attachment({ status, ...(status === "ready" ? { url: "u", thumbnailUrl: "t" } : {}) }) as T);
    },
    fetch: (url: string, init: RequestInit) => {
      posts.push({ url, init });
      return Promise.resolve(answers.post ?? new Response(null, { status: 204 }));
    },
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  return { deps, calls, posts, sleeps };
}

describe("attaching a screenshot: ask, POST to S3, confirm, follow", () => {
  it("uploads to the form's URL without a token, confirms, and reads until ready", async () => {
    // Given an API that answers processing twice after the confirmation, then ready
    const { deps, calls, posts, sleeps } = fakeDeps({ statuses: ["processing", "processing", "ready"] });
    const phases: Phase[] = [];
    const file = new File([PNG], "nifty.png", { type: "image/png" });
    // When the file is attached
    const done = await attachScreenshot(deps, "trd 1", file, (phase) => phases.push(phase));
    // Then: ask (with the file's name), one POST of the form to S3, confirm, reads with a growing wait
    expect(calls[0]).toEqual({ path: "/v1/attachments/trades/trd%201", method: "POST", body: { fileName: "nifty.png" } });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe("http://s3.local/bucket");
    expect(posts[0]?.init.method).toBe("POST");
    expect(posts[0]?.init.headers).toBeUndefined(); // no Authorization: the form's signature is the permission
    expect(posts[0]?.init.body instanceof FormData).toBe(true);
    expect(calls.slice(1).map((call) => `${call.method} ${call.path}`)).toEqual([
      "POST /v1/attachments/att_0123456789abcdef01234567/confirm",
      "GET /v1/attachments/att_0123456789abcdef01234567",
      "GET /v1/attachments/att_0123456789abcdef01234567",
    ]);
    expect(sleeps).toEqual([500, 1_000]);
    expect(phases).toEqual(["asking", "uploading", "confirming", "processing", "processing"]);
    expect(done.status).toBe("ready");
  });

  it("ends with a rejected attachment as the worker left it", async () => {
    // Given a file the worker refuses / When attached / Then the rejected attachment comes back, no error thrown
    const { deps } = fakeDeps({ statuses: ["rejected"] });
    const done = await attachScreenshot(deps, "trd_1", new File([PNG], "fake.png", { type: "image/png" }));
    expect(done.status).toBe("rejected");
  });

  it("never confirms an upload S3 refused, and says S3's reason", async () => {
    // Given S3 answering 403 with its XML error
    const refused = new Response("<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>", { status: 403 });
    const { deps, calls } = fakeDeps({ statuses: [], post: refused });
    // When attached / Then the error carries S3's message and nothing was confirmed
    const error: unknown = await attachScreenshot(deps, "trd_1", new File([PNG], "a.png", { type: "image/png" })).catch((caught: unknown) => caught);
    expect(attachmentErrorText(error)).toBe("The upload was refused: Policy expired (UPLOAD_FAILED)");
    expect(calls.map((call) => call.path)).toEqual(["/v1/attachments/trades/trd_1"]);
  });

  it("turns S3's EntityTooLarge into the 5 MB message", async () => {
    const tooLarge = new Response("<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>", { status: 400 });
    const { deps } = fakeDeps({ statuses: [], post: tooLarge });
    const error: unknown = await attachScreenshot(deps, "trd_1", new File([PNG], "a.png", { type: "image/png" })).catch((caught: unknown) => caught);
    expect(attachmentErrorText(error)).toContain("larger than 5 MB");
  });
});

describe("the API's refusals in words", () => {
  it("says each conflict's issue and a 413 plainly", () => {
    // Given the API's error envelopes (docs/attachments.md) / When put in words / Then each says what to do
    const conflict = (issue: string) => new ApiError(409, "CONFLICT", "…", [{ field: "x", issue }]);
    expect(attachmentErrorText(conflict("too_many_attachments"))).toContain("already has 10 screenshots");
    expect(attachmentErrorText(conflict("not_uploaded"))).toContain("did not reach storage");
    expect(attachmentErrorText(conflict("upload_expired"))).toContain("permission expired");
    expect(attachmentErrorText(new ApiError(413, "PAYLOAD_TOO_LARGE", "the file is 6,000,000 bytes", [{ field: "file", issue: "too_large" }]))).toContain(
      "larger than 5 MB",
    );
    expect(attachmentErrorText(new ApiError(413, "PAYLOAD_TOO_LARGE", "too big"))).toContain("larger than 5 MB");
    // anything else keeps the API's own message and code
    expect(attachmentErrorText(new ApiError(400, "VALIDATION_ERROR", "fileName is too long"))).toBe("fileName is too long (VALIDATION_ERROR)");
  });
});

describe("when the trade's screenshots are read again", () => {
  const now = new Date("2025-06-01T04:30:00Z");
  it("reads every 2 s while one is processing", () => {
    expect(relistDelay([{ status: "processing", expiresAt: null }], now)).toBe(2_000);
  });
  it("renews the links 15 s before the earliest expires, and never without links", () => {
    // Given two ready screenshots whose links expire in 300 s and 100 s / When asked / Then 85 s
    const items = [
      { status: "ready" as const, expiresAt: "2025-06-01T04:35:00Z" },
      { status: "ready" as const, expiresAt: "2025-06-01T04:31:40Z" },
    ];
    expect(relistDelay(items, now)).toBe(85_000);
    expect(relistDelay([{ status: "rejected", expiresAt: null }], now)).toBe(false);
    expect(relistDelay([], now)).toBe(false);
  });
});
