// Quotes of `symbols` over the app's WebSocket while the component is mounted: subscribe when the
// connection opens (again after every reconnect: a subscription lives on one connection), take the
// subscribe reply's snapshot and each `quote` frame, unsubscribe on unmount or when a symbol leaves.
import { useCallback, useEffect, useRef, useState } from "react";
import { useLive, useLiveFrames } from "../live/LiveContext";
import type { Frame } from "../live/frames";
import type { LiveStatus } from "../live/socket";
import { quotesOf, type LiveQuote } from "./live";

export interface LiveQuotes {
  quotes: Map<string, LiveQuote>;
  status: LiveStatus;
  /** Now (ms), advanced every second so ages and stale badges move without a tick. */
  now: number;
  /** The API refused the subscription (its error frame's message), or null. */
  problem: string | null;
}

export function useLiveQuotes(symbols: string[]): LiveQuotes {
  const { status, send } = useLive();
  const [quotes, setQuotes] = useState<Map<string, LiveQuote>>(() => new Map());
  const [now, setNow] = useState(() => Date.now());
  const [problem, setProblem] = useState<string | null>(null);
  const key = symbols.join(",");
  const wanted = useRef<Set<string>>(new Set());
  wanted.current = new Set(symbols);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const list = key ? key.split(",") : [];
    if (status !== "open" || list.length === 0) return;
    send({ action: "subscribe", symbols: list });
    return () => {
      send({ action: "unsubscribe", symbols: list });
    };
  }, [status, key, send]);

  const onFrame = useCallback((frame: Frame) => {
    if (frame.type === "error" && typeof frame.message === "string" && typeof frame.code === "string") {
      setProblem(`Live prices: ${frame.message} (${frame.code})`);
      return;
    }
    const received = quotesOf(frame as unknown as Record<string, unknown>, Date.now()).filter((quote) =>
      wanted.current.has(quote.symbol),
    );
    if (received.length === 0) return;
    if (frame.type === "subscribed") setProblem(null);
    setQuotes((previous) => {
      const next = new Map(previous);
      for (const quote of received) next.set(quote.symbol, quote);
      return next;
    });
  }, []);
  useLiveFrames(onFrame);

  return { quotes, status, now, problem };
}
