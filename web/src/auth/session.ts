// The session lives in memory only: the access token and the refresh token are never written to
// localStorage, sessionStorage or a cookie, so a script injected into the page later cannot read
// them from storage, and a reload ends the session (log in again). The refresh token rotates:
// each POST /v1/auth/refresh answers a new pair and the old refresh token stops working.
import { api, setTokenSource, type TokenSource } from "../api/client";
import type { TokenPair } from "../api/types";

const REFRESH_EARLY_S = 60; // refresh this long before the access token expires

export type SessionState =
  | { status: "anonymous" }
  // The session ended without a logout (refresh refused): the app keeps the page and asks `email`
  // to log in again over it.
  | { status: "expired"; email: string; reason: string }
  | { status: "active"; email: string };

type Listener = (state: SessionState) => void;

export class Session implements TokenSource {
  private access: string | null = null;
  private refreshToken: string | null = null;
  private email = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();
  state: SessionState = { status: "anonymous" };

  constructor() {
    setTokenSource(this);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  accessToken(): string | null {
    return this.access;
  }

  async login(email: string, password: string): Promise<void> {
    const pair = await api<TokenPair>("/v1/auth/login", {
      method: "POST",
      body: { email, password },
      auth: false,
    });
    this.email = email;
    this.accept(pair);
  }

  async register(name: string, email: string, password: string): Promise<void> {
    await api("/v1/auth/register", { method: "POST", body: { name, email, password }, auth: false });
    await this.login(email, password);
  }

  /** One refresh at a time: concurrent 401s share it (the refresh token is single-use). */
  refresh(): Promise<boolean> {
    this.inflight ??= this.rotate().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  async logout(): Promise<void> {
    const token = this.refreshToken;
    try {
      if (token) await api("/v1/auth/logout", { method: "POST", body: { refreshToken: token }, auth: false });
    } finally {
      this.end();
    }
  }

  async logoutEverywhere(): Promise<void> {
    try {
      await api("/v1/auth/logout-all", { method: "POST" });
    } finally {
      this.end();
    }
  }

  private async rotate(): Promise<boolean> {
    const token = this.refreshToken;
    if (!token) return false;
    try {
      const pair = await api<TokenPair>("/v1/auth/refresh", {
        method: "POST",
        body: { refreshToken: token },
        auth: false,
      });
      this.accept(pair);
      return true;
    } catch {
      this.end("Your session expired: log in again.");
      return false;
    }
  }

  private accept(pair: TokenPair): void {
    this.access = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    clearTimeout(this.timer);
    const delayMs = Math.max(5, pair.expiresIn - REFRESH_EARLY_S) * 1000;
    if (this.refreshToken) this.timer = setTimeout(() => void this.refresh(), delayMs);
    this.emit({ status: "active", email: this.email });
  }

  /** Leave an expired session's page for the login form (another user, or no one). */
  forget(): void {
    this.end();
  }

  private end(reason?: string): void {
    clearTimeout(this.timer);
    this.access = null;
    this.refreshToken = null;
    this.emit(reason ? { status: "expired", email: this.email, reason } : { status: "anonymous" });
  }

  private emit(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}
