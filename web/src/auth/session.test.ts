import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { Session } from "./session";

// A fake API: access tokens valid until revoked, refresh tokens single-use (rotation).
class FakeApi {
  valid = new Set<string>();
  refreshTokens = new Set<string>();
  refreshCalls = 0;
  private counter = 0;

  pair(): { accessToken: string; refreshToken: string; tokenType: "Bearer"; expiresIn: number } {
    this.counter += 1;
    const access = `a${this.counter}`;
    const refresh = `r${this.counter}`;
    this.valid.add(access);
    this.refreshTokens.add(refresh);
    return { accessToken: access, refreshToken: refresh, tokenType: "Bearer", expiresIn: 900 };
  }

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    await Promise.resolve();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, string>) : {};
    const json = (status: number, data: unknown) =>
      new Response(status === 204 ? null : JSON.stringify(data), { status });
    if (url === "/v1/auth/login") return json(200, this.pair());
    if (url === "/v1/auth/refresh") {
      this.refreshCalls += 1;
      const token = body.refreshToken ?? "";
      if (!this.refreshTokens.delete(token)) return json(401, { error: { code: "UNAUTHORIZED", message: "refresh token revoked" } });
      return json(200, this.pair());
    }
    const auth = new Headers(init?.headers).get("Authorization")?.replace("Bearer ", "") ?? "";
    if (!this.valid.has(auth)) return json(401, { error: { code: "UNAUTHORIZED", message: "expired" } });
    return json(200, { token: auth });
  };
}

describe("Session", () => {
  let server: FakeApi;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeApi();
    vi.stubGlobal("fetch", server.fetch);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("refreshes once on a 401, shared by concurrent requests, and retries with the new token", async () => {
    // Given a session whose access token the API no longer accepts
    const session = new Session();
    await session.login("t@example.com", "pw");
    server.valid.clear();
    // When two requests get a 401 at once
    const [first, second] = await Promise.all([api<{ token: string }>("/v1/x"), api<{ token: string }>("/v1/y")]);
    // Then one refresh (the rotated refresh token is single-use) serves both retries
    expect(server.refreshCalls).toBe(1);
    expect(first.token).toBe("a2");
    expect(second.token).toBe("a2");
  });

  it("refreshes silently before the access token expires, rotating the refresh token", async () => {
    // Given a fresh session (expiresIn 900 s)
    const session = new Session();
    await session.login("t@example.com", "pw");
    // When 841 s pass (a minute before expiry)
    await vi.advanceTimersByTimeAsync(841_000);
    // Then the session holds a new pair and the old refresh token is spent
    expect(server.refreshCalls).toBe(1);
    expect(session.accessToken()).toBe("a2");
    expect(server.refreshTokens.has("r1")).toBe(false);
  });

  it("ends the session with a reason when the refresh is refused, and retries only once", async () => {
    // Given a session whose refresh token was revoked (logout everywhere elsewhere)
    const session = new Session();
    await session.login("t@example.com", "pw");
    server.valid.clear();
    server.refreshTokens.clear();
    // When a request gets a 401
    await expect(api("/v1/x")).rejects.toMatchObject({ status: 401 });
    // Then one refresh was tried and the session is over, saying why
    expect(server.refreshCalls).toBe(1);
    expect(session.state).toEqual({
      status: "expired",
      email: "t@example.com",
      reason: "Your session expired: log in again.",
    });
    expect(session.accessToken()).toBeNull();
  });
});
