// A typed fetch wrapper over the REST API on this page's own origin (no CORS): JSON in and out,
// the API's error envelope turned into ApiError, the bearer token from the session, and one
// silent refresh + retry on a 401.
import type { ErrorBody } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The envelope's `details` (e.g. `[{"field": "tradeId", "issue": "too_many_attachments"}]`). */
    readonly details: readonly unknown[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface TokenSource {
  /** The current access token, or null when logged out. */
  accessToken(): string | null;
  /** Refresh the session once (shared by concurrent callers); false when it could not. */
  refresh(): Promise<boolean>;
}

let tokens: TokenSource | null = null;

export function setTokenSource(source: TokenSource | null): void {
  tokens = source;
}

export type Query = Record<string, string | number | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  /** false: no bearer token and no refresh (the auth routes themselves). */
  auth?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (e.g. a paper order's Idempotency-Key). */
  headers?: Record<string, string>;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method: options.method ?? "GET", headers };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  return fetch(withQuery(path, options.query), init);
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (body.error?.message) return new ApiError(response.status, body.error.code, body.error.message, body.error.details ?? []);
  } catch {
    // not the API's JSON envelope: fall through
  }
  return new ApiError(response.status, "HTTP_ERROR", `${response.status} ${response.statusText}`.trim());
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const useAuth = options.auth !== false;
  let response = await send(path, options, useAuth ? (tokens?.accessToken() ?? null) : null);
  if (response.status === 401 && useAuth && tokens && (await tokens.refresh())) {
    response = await send(path, options, tokens.accessToken()); // once: a second 401 is final
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
