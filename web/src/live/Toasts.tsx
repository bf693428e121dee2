// Live events a trader should notice (a price alert fired, a broker login expired, a sync failed, a
// trade confirmed, a paper order executed or rejected, a risk limit breached) as toasts: a polite
// live region (screen readers read each as it comes), each toast dismissible with its button; a
// fired alert, an expired login, a rejected paper order or a breached risk limit stays until
// dismissed, the others go by themselves after 10 s; at most 4 shown (the oldest goes first).
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { PaperOrder } from "../api/types";
import { formatInr } from "../format";
import { frameWordsOrder, paperOrderPath, paperOrderToast, toastsPaperOrder } from "../paper/toast";
import { cachedAccountLabel, riskViolationToast } from "../risk/toast";
import { toastOf, type Frame, type Toast } from "./frames";
import { useLive, useLiveFrames } from "./LiveContext";
import "./live.css";

const SHOW_MS = 10_000;
const MAX_SHOWN = 4;

export function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const counter = useRef(0);
  const client = useQueryClient();
  const mounted = useRef(false); // a paper order's toast comes after a read: none once logged out

  const dismiss = useCallback((id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((shown) => shown.filter((toast) => toast.id !== id));
  }, []);

  const show = useCallback(
    (toast: Omit<Toast, "id">) => {
      if (!mounted.current) return;
      counter.current += 1;
      const id = `toast-${counter.current}`;
      setToasts((shown) => [...shown, { ...toast, id }].slice(-MAX_SHOWN));
      if (!toast.sticky) timers.current.set(id, setTimeout(() => dismiss(id), SHOW_MS));
    },
    [dismiss],
  );

  const onFrame = useCallback(
    (frame: Frame) => {
      // A paper order's frame words its toast; an older one names the order only: its words (and a
      // rejection's reason) are read from it.
      if (frame.type === "paper_order") {
        if (!toastsPaperOrder(frame)) return;
        if (frameWordsOrder(frame)) {
          show(paperOrderToast(frame, null, formatInr));
          return;
        }
        api<PaperOrder>(paperOrderPath(frame.accountId, frame.orderId)).then(
          (order) => show(paperOrderToast(frame, order, formatInr)),
          () => show(paperOrderToast(frame, null, formatInr)),
        );
        return;
      }
      if (frame.type === "notification" && frame.notificationType === "risk_violation") {
        show(riskViolationToast(frame, (accountId) => cachedAccountLabel(client, accountId)));
        return;
      }
      const toast = toastOf(frame);
      if (toast) show(toast);
    },
    [show, client],
  );
  useLiveFrames(onFrame);

  // A connection that was open and dropped says so while it reconnects (alerts may be late meanwhile).
  const { status } = useLive();
  const [wasOpen, setWasOpen] = useState(false);
  if (status === "open" && !wasOpen) setWasOpen(true);
  const interrupted = wasOpen && (status === "waiting" || status === "connecting");

  useEffect(() => {
    const pending = timers.current;
    mounted.current = true;
    return () => {
      mounted.current = false;
      for (const timer of pending.values()) clearTimeout(timer);
    };
  }, []);

  return (
    <div className="toasts" role="region" aria-label="Live notifications">
      <p role="status" className={interrupted ? "live-lost" : "sr-only"}>
        {interrupted ? "Live updates interrupted: reconnecting…" : ""}
      </p>
      <ul aria-live="polite" aria-relevant="additions">
        {toasts.map((toast) => (
          <li key={toast.id} className={`toast toast-${toast.tone}`} data-testid="toast">
            <strong>{toast.title}</strong>
            <span>{toast.message}</span>
            <button type="button" className="link" onClick={() => dismiss(toast.id)} aria-label={`Dismiss: ${toast.title}`}>
              Dismiss
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
