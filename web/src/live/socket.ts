// One WebSocket to the API for the app's live events, kept open while the session lasts: it
// connects with the current access token (`?token=`, the REST API's bearer token, checked by the
// authorizer on $connect; docs/websocket.md), pings every 5 minutes (API Gateway drops a
// connection idle for 10), and reconnects after any close with exponential backoff and jitter
// (src/live/backoff.ts), taking a fresh token each time (a connection lives at most 2 hours).
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from "./backoff";
import { parseFrame, type Frame } from "./frames";

export type LiveStatus = "idle" | "connecting" | "open" | "waiting" | "unavailable";

/** What the socket needs from the browser; tests give fakes. */
export interface LiveEnvironment {
  createSocket(url: string): WebSocketLike;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  random(): number;
}

export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveOptions {
  /** The WebSocket API's URL (without the token), or null when this deployment has none. */
  url: () => Promise<string | null>;
  /** The current access token, or null when logged out. */
  token: () => string | null;
  onFrame: (frame: Frame) => void;
  onStatus?: (status: LiveStatus, retryInMs?: number) => void;
  backoff?: Backoff;
  pingEveryMs?: number;
  environment?: LiveEnvironment;
}

const PING_EVERY_MS = 5 * 60_000;

export const browserEnvironment: LiveEnvironment = {
  createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  random: () => Math.random(),
};

/** The URL with the token as its `token` query parameter. */
export function socketUrl(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set("token", token);
  return url.toString();
}

export class LiveSocket {
  private socket: WebSocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private running = false;
  private generation = 0; // each start() and stop() begins a new one: a connect of an older one gives up
  private readonly env: LiveEnvironment;
  status: LiveStatus = "idle";

  constructor(private readonly options: LiveOptions) {
    this.env = options.environment ?? browserEnvironment;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation += 1;
    this.env.clearTimer(this.retryTimer);
    this.env.clearTimer(this.pingTimer);
    this.retryTimer = this.pingTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onerror = socket.onmessage = socket.onopen = null;
      socket.close(1000, "logged out");
    }
    this.setStatus("idle");
  }

  /** Send a frame now if the socket is open; false when it is not. */
  send(frame: Record<string, unknown>): boolean {
    if (this.status !== "open" || !this.socket) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (!this.running) return;
    this.setStatus("connecting");
    const generation = this.generation;
    let base: string | null;
    try {
      base = await this.options.url();
    } catch {
      base = null;
    }
    if (generation !== this.generation) return; // stopped (or restarted) meanwhile
    if (!base) {
      this.setStatus("unavailable"); // no WebSocket API here: live events stay off, the app still works
      return;
    }
    const token = this.options.token();
    if (!token) {
      this.scheduleRetry();
      return;
    }
    const socket = this.env.createSocket(socketUrl(base, token));
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus("open");
      this.schedulePing();
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      const frame = parseFrame(event.data);
      if (frame) this.options.onFrame(frame);
    };
    socket.onerror = () => {
      // a close follows: the retry is scheduled there
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.env.clearTimer(this.pingTimer);
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    const delay = backoffDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF, () => this.env.random());
    this.attempt += 1;
    this.setStatus("waiting", delay);
    this.retryTimer = this.env.setTimer(() => void this.connect(), delay);
  }

  private schedulePing(): void {
    this.env.clearTimer(this.pingTimer);
    this.pingTimer = this.env.setTimer(() => {
      if (this.send({ action: "ping" })) this.schedulePing();
    }, this.options.pingEveryMs ?? PING_EVERY_MS);
  }

  private setStatus(status: LiveStatus, retryInMs?: number): void {
    this.status = status;
    this.options.onStatus?.(status, retryInMs);
  }
}
