// The live connection as React context: one LiveSocket while the session is active, its status,
// and a subscription to its frames. Frames that change server state invalidate the queries that
// show it (the pages re-read the API: frames are hints, never the data), and frames a trader
// should see become toasts (src/live/Toasts.tsx). Paper frames carry the figures themselves: they
// are written into the cached paper account in place (src/paper/live.ts).
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useSession } from "../auth/SessionContext";
import { webSocketUrl } from "./config";
import { applyPaperFrame } from "../paper/live";
import type { Frame } from "./frames";
import { LiveSocket, type LiveStatus } from "./socket";

type Listener = (frame: Frame) => void;

interface Live {
  status: LiveStatus;
  subscribe: (listener: Listener) => () => void;
  /** Send a frame on the open connection (e.g. a quotes subscription); false when it is not open. */
  send: (frame: Record<string, unknown>) => boolean;
}

const LiveContext = createContext<Live | null>(null);

// A fired alert's frame comes straight from the market feed; its inbox entry is written a moment
// later (through the notifications queue): look at the inbox again after this long too.
const INBOX_SETTLE_MS = 3_000;

/** Query keys each frame type makes stale. */
function staleKeys(frame: Frame): string[][] {
  switch (frame.type) {
    case "sync":
      return [["broker-accounts"], ["sync-logs"], ["notifications"]];
    case "alert":
      return [["alerts"], ["notifications"]];
    case "notification": // a breached risk limit: the Risk page's violations too
      return frame.notificationType === "risk_violation" ? [["notifications"], ["risk", "violations"]] : [["notifications"]];
    case "trade":
      return [["notifications"]];
    case "paper_order": // an inbox item too when it names one (its own state and balance: applyPaperFrame)
      return frame.notificationId ? [["notifications"]] : [];
    case "report": // the Reports page asks for its status (and download URL) at once, and its list
      return [["report", frame.reportId], ["reports", "list"], ["notifications"]];
    // fills applied (a sync, a manual fill, an import step): the journal's views re-read what they show
    case "trades":
      return [["trades"], ["positions"], ["summary"], ["timeseries"], ["breakdown"], ["tax-pnl"], ["data-quality"]];
    case "import": // the same, and the Imports page's list of uploads
      return [["trades"], ["positions"], ["summary"], ["timeseries"], ["breakdown"], ["tax-pnl"], ["data-quality"], ["imports"]];
    default:
      return [];
  }
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const { session, state } = useSession();
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>("idle");
  const listeners = useMemo(() => new Set<Listener>(), []);
  const socketRef = useRef<LiveSocket | null>(null);
  const active = state.status === "active";

  useEffect(() => {
    if (!active) return;
    const later: ReturnType<typeof setTimeout>[] = [];
    const socket = new LiveSocket({
      url: webSocketUrl,
      token: () => session.accessToken(),
      onStatus: setStatus,
      onFrame: (frame) => {
        for (const key of staleKeys(frame)) void client.invalidateQueries({ queryKey: key });
        if (frame.type === "paper_order" || frame.type === "paper_balance") applyPaperFrame(client, frame);
        if (frame.type === "alert") {
          later.push(setTimeout(() => void client.invalidateQueries({ queryKey: ["notifications"] }), INBOX_SETTLE_MS));
        }
        for (const listener of listeners) listener(frame);
      },
    });
    socketRef.current = socket;
    socket.start();
    return () => {
      socketRef.current = null;
      socket.stop();
      for (const timer of later) clearTimeout(timer);
    };
  }, [active, session, client, listeners]);

  const value = useMemo<Live>(
    () => ({
      status,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      send: (frame) => socketRef.current?.send(frame) ?? false,
    }),
    [status, listeners],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside LiveProvider");
  return live;
}

/** Call `listener` for every frame while the component is mounted. */
export function useLiveFrames(listener: Listener): void {
  const { subscribe } = useLive();
  useEffect(() => subscribe(listener), [subscribe, listener]);
}
