// How a broker account's state reads on the Brokers page: its status in words with the action it
// calls for, the login's expiry relative to now, and the OAuth landing's query parameters.

import type { BrokerName } from "../api/types";

export type AccountStatus = "pending" | "active" | "needs_login" | "error";
export type Tone = "good" | "bad" | "warn" | "info";

export interface AccountState {
  label: string;
  tone: Tone;
  /** What the account's main button does: finish or redo the broker login, or nothing. */
  action: "continue" | "reconnect" | null;
}

/** Whole minutes, hours and days, the two largest units: "3 h 20 min", "2 d 4 h", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return "under a minute";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = days ? [`${days} d`, hours ? `${hours} h` : ""] : hours ? [`${hours} h`, rest ? `${rest} min` : ""] : [`${rest} min`];
  return parts.filter(Boolean).join(" ");
}

/** "expires in 3 h 20 min" / "expired 2 h ago" / "no login yet". */
export function expiryText(tokenExpiresAt: string | null, now: Date): string {
  if (!tokenExpiresAt) return "no login yet";
  const at = new Date(tokenExpiresAt).getTime();
  if (Number.isNaN(at)) return tokenExpiresAt;
  const left = at - now.getTime();
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(left)} ago`;
}

export function accountState(
  account: { status: AccountStatus; tokenExpiresAt: string | null; lastError?: string | null },
  now: Date,
): AccountState {
  switch (account.status) {
    case "pending":
      return { label: "Login not finished", tone: "warn", action: "continue" };
    case "needs_login":
      return { label: "Login expired: reconnect", tone: "bad", action: "reconnect" };
    case "error":
      return { label: "Sync failing", tone: "bad", action: "reconnect" };
    case "active": {
      const expired = account.tokenExpiresAt !== null && new Date(account.tokenExpiresAt).getTime() <= now.getTime();
      return expired
        ? { label: "Login expired: reconnect", tone: "bad", action: "reconnect" }
        : { label: "Connected", tone: "good", action: null };
    }
  }
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const STATUSES: readonly string[] = ["pending", "active", "needs_login", "error"];

export type Landing =
  | { accountId: string; status: AccountStatus }
  /** The login did not complete: the API's error code and message. */
  | { error: string; message: string }
  /** A broker whose login sends no state back (ICICI Breeze): what it returned, for the signed-in
   * tab to send as `POST /v1/broker-accounts {broker, accountId, params}` (docs/brokers.md). */
  | { finish: "params"; broker: BrokerName; params: Record<string, string> };

const BROKERS: readonly string[] = ["zerodha", "upstox", "simulated", "angelone", "breeze", "sharekhan"];
const MAX_PARAMS = 16; // the API's FinishLoginRequest: 1–16 names of ≤ 64 characters, values ≤ 4096
const RESERVED = new Set(["broker", "finish", "accountId", "status", "error", "message"]);

/** The broker callback's landing (`/brokers?accountId=…&status=…`, `?error=…&message=…` when the
 * login failed, or `?<what the broker returned>&broker=…&finish=params`), or null for any other query. */
export function parseLanding(search: string): Landing | null {
  const params = new URLSearchParams(search);
  const broker = params.get("broker");
  if (params.get("finish") === "params" && broker && BROKERS.includes(broker)) {
    const returned: Record<string, string> = {};
    for (const [name, value] of params) {
      if (RESERVED.has(name) || name.length > 64 || value.length > 4096) continue;
      returned[name] = value;
    }
    const count = Object.keys(returned).length;
    if (count === 0 || count > MAX_PARAMS) return null;
    return { finish: "params", broker: broker as BrokerName, params: returned };
  }
  const error = params.get("error");
  if (error && /^[A-Z_]{1,40}$/.test(error)) {
    return { error, message: (params.get("message") ?? "").slice(0, 300) || "The broker login did not complete." };
  }
  const accountId = params.get("accountId");
  const status = params.get("status");
  if (!accountId || !ACCOUNT_ID.test(accountId) || !status || !STATUSES.includes(status)) return null;
  return { accountId, status: status as AccountStatus };
}

/** A sync's run time from its start and end ("4 s", "1 min 5 s"), or "running" without an end. */
export function syncDuration(startedAt: string, finishedAt: string | null): string {
  if (!finishedAt) return "—";
  const ms = new Date(finishedAt).getTime() - new Date(startedAt).getTime();
  if (Number.isNaN(ms) || ms < 0) return "—";
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
