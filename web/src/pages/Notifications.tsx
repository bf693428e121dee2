import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { NotificationOut, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatIst } from "../format";
import "./accounts.css";

const TYPE_LABELS: Record<string, string> = {
  price_alert: "Price alert",
  trade_confirmation: "Trade",
  sync_failed: "Sync failed",
  needs_login: "Broker login expired",
  daily_summary: "Daily summary",
  backfill_summary: "Broker history imported",
  report_ready: "Report ready",
};

/** "backfill_summary" → "Backfill summary": a type or reason code this page has no words for. */
export function humanize(code: string): string {
  const words = code.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "email sent · sms skipped (no verified phone)": how the notification went out, per channel. */
export function deliverySummary(deliveries: NotificationOut["deliveries"]): string {
  return Object.entries(deliveries)
    .map(([channel, delivery]) => `${channel} ${delivery.status}${delivery.reason ? ` (${humanize(delivery.reason).toLowerCase()})` : ""}`)
    .join(" · ");
}

export function Notifications() {
  const client = useQueryClient();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const inbox = useInfiniteQuery({
    queryKey: ["notifications", "inbox", unreadOnly],
    queryFn: ({ pageParam }) =>
      api<Page<NotificationOut>>("/v1/notifications", {
        query: { unread: unreadOnly ? "true" : null, limit: 25, cursor: pageParam },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const markRead = useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) {
        await api<undefined>(`/v1/notifications/${encodeURIComponent(id)}/read`, { method: "POST" });
      }
    },
    onSettled: () => void client.invalidateQueries({ queryKey: ["notifications"] }),
  });

  const rows = inbox.data?.pages.flatMap((page) => page.items) ?? [];
  const unread = rows.filter((item) => !item.readAt);
  return (
    <section aria-labelledby="notifications-title">
      <div className="heading">
        <h1 id="notifications-title">Notifications</h1>
        <div className="actions">
          <label className="check">
            <input type="checkbox" checked={unreadOnly} onChange={(event) => setUnreadOnly(event.target.checked)} />
            Unread only
          </label>
          <button
            type="button"
            className="secondary"
            disabled={unread.length === 0 || markRead.isPending}
            onClick={() => markRead.mutate(unread.map((item) => item.notificationId))}
          >
            Mark all shown as read
          </button>
        </div>
      </div>
      <ErrorMessage error={inbox.error ?? markRead.error} />
      {inbox.isPending && <p role="status">Loading notifications…</p>}
      {inbox.isSuccess && rows.length === 0 && (
        <p className="empty">
          {unreadOnly
            ? "Nothing unread."
            : "No notifications yet. Price alerts, broker sync problems and trade confirmations arrive here: create an alert on the Alerts page."}
        </p>
      )}
      <ul className="inbox" aria-label="Notifications, newest first" data-testid="inbox">
        {rows.map((item) => (
          <li key={item.notificationId} className={item.readAt ? "read" : "unread"}>
            <div className="meta">
              <span className={`state state-${item.readAt ? "info" : "warn"}`}>{item.readAt ? "Read" : "Unread"}</span>
              <span>{TYPE_LABELS[item.type] ?? humanize(item.type)}</span>
              <time dateTime={item.createdAt}>{formatIst(item.createdAt)}</time>
            </div>
            <strong>{item.title}</strong>
            <span>{item.message}</span>
            {Object.keys(item.deliveries).length > 0 && (
              <small className="muted">Sent by: {deliverySummary(item.deliveries)}</small>
            )}
            {!item.readAt && (
              <button
                type="button"
                className="secondary"
                onClick={() => markRead.mutate([item.notificationId])}
                disabled={markRead.isPending}
              >
                Mark as read<span className="sr-only">: {item.title}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {inbox.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void inbox.fetchNextPage()} disabled={inbox.isFetchingNextPage}>
          {inbox.isFetchingNextPage ? "Loading…" : "Older notifications"}
        </button>
      )}
    </section>
  );
}
