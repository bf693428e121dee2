import { describe, expect, it } from "vitest";
import type { Frame } from "./frames";
import { LiveSocket, socketUrl, type LiveEnvironment, type LiveStatus, type WebSocketLike } from "./socket";

class FakeSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
}

/** A fake clock and socket factory: timers run only when the test says so. */
class FakeEnvironment implements LiveEnvironment {
  sockets: FakeSocket[] = [];
  timers = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  createSocket(url: string) {
    const socket = new FakeSocket(url);
    this.sockets.push(socket);
    return socket;
  }
  setTimer(callback: () => void, ms: number) {
    const id = this.next++;
    this.timers.set(id, { callback, ms });
    return id;
  }
  clearTimer(handle: unknown) {
    this.timers.delete(handle as number);
  }
  random() {
    return 0; // the lowest jitter: delays are exactly half the ceiling
  }
  /** Run the pending timer with the shortest delay; its delay. */
  fireNext(): number {
    const [id, timer] = [...this.timers.entries()].sort((a, b) => a[1].ms - b[1].ms)[0] ?? [];
    if (id === undefined || !timer) throw new Error("no timer pending");
    this.timers.delete(id);
    timer.callback();
    return timer.ms;
  }
  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error("no socket yet");
    return socket;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(token: () => string | null = () => "tok-1") {
  const env = new FakeEnvironment();
  const frames: Frame[] = [];
  const statuses: LiveStatus[] = [];
  const live = new LiveSocket({
    url: () => Promise.resolve("ws://127.0.0.1:3001"),
    token,
    onFrame: (frame) => frames.push(frame),
    onStatus: (status) => statuses.push(status),
    backoff: { baseMs: 1_000, maxMs: 8_000 },
    environment: env,
  });
  return { env, frames, statuses, live };
}

describe("the live socket", () => {
  it("connects with the access token in the query string and passes frames on", async () => {
    // Given a started socket
    const { env, frames, live } = setup();
    live.start();
    await settle();
    // When it opens and a frame arrives (and a line that is not JSON)
    env.last.onopen?.({});
    env.last.onmessage?.({ data: '{"type":"alert","alertId":"al_1","symbol":"NSE:INFY","message":"above 1500"}' });
    env.last.onmessage?.({ data: "not json" });
    // Then the URL carried the token, and the one frame was handed on
    expect(env.last.url).toBe("ws://127.0.0.1:3001/?token=tok-1");
    expect(frames).toEqual([{ type: "alert", alertId: "al_1", symbol: "NSE:INFY", message: "above 1500" }]);
    expect(live.status).toBe("open");
  });

  it("reconnects after each close with growing delays and a fresh token, and resets after an open", async () => {
    // Given a socket whose connections keep failing
    let n = 0;
    const { env, live } = setup(() => `tok-${++n}`);
    live.start();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      env.last.onclose?.({});
      delays.push(env.fireNext()); // the retry timer
      await settle();
    }
    // Then the delays double (half-ceiling with the lowest jitter) up to the cap, each try a new token
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(env.sockets.map((s) => new URL(s.url).searchParams.get("token"))).toEqual([
      "tok-1",
      "tok-2",
      "tok-3",
      "tok-4",
      "tok-5",
      "tok-6",
    ]);
    // When one connection opens and later drops; Then the next retry starts from the base again
    env.last.onopen?.({});
    env.last.onclose?.({});
    const retry = [...env.timers.values()].map((t) => t.ms);
    expect(retry).toContain(500);
  });

  it("stops for good on stop(): the socket is closed and no retry is left", async () => {
    const { env, live, statuses } = setup();
    live.start();
    await settle();
    env.last.onopen?.({});
    // When the session ends
    live.stop();
    // Then the socket is closed, no timer remains (no ping, no retry), and the status is idle
    expect(env.last.closed).toBe(true);
    expect(env.timers.size).toBe(0);
    expect(statuses.at(-1)).toBe("idle");
  });

  it("pings on schedule while open", async () => {
    const { env, live } = setup();
    live.start();
    await settle();
    env.last.onopen?.({});
    env.fireNext();
    expect(env.last.sent).toEqual(['{"action":"ping"}']);
  });

  it("says unavailable, without retrying, when the deployment has no WebSocket URL", async () => {
    const env = new FakeEnvironment();
    const live = new LiveSocket({
      url: () => Promise.resolve(null),
      token: () => "tok",
      onFrame: () => undefined,
      environment: env,
    });
    live.start();
    await settle();
    expect(live.status).toBe("unavailable");
    expect(env.sockets).toHaveLength(0);
    expect(env.timers.size).toBe(0);
  });

  it("puts the token in an existing query string safely", () => {
    expect(socketUrl("wss://ws.example.com/prod?x=1", "a+b/c")).toBe("wss://ws.example.com/prod?x=1&token=a%2Bb%2Fc");
  });
});

describe("the live socket, stopped while it looks up its URL", () => {
  it("opens nothing once the lookup answers", async () => {
    // Given a start whose URL lookup is still pending
    const env = new FakeEnvironment();
    let answer: (url: string) => void = () => undefined;
    const live = new LiveSocket({
      url: () => new Promise<string>((resolve) => (answer = resolve)),
      token: () => "tok",
      onFrame: () => undefined,
      environment: env,
    });
    live.start();
    // When the session ends before the lookup answers
    live.stop();
    answer("ws://127.0.0.1:3001");
    await settle();
    // Then no socket was opened and nothing is scheduled
    expect(env.sockets).toHaveLength(0);
    expect(env.timers.size).toBe(0);
    expect(live.status).toBe("idle");
  });
});
