// The count of unread notifications beside the nav's Notifications link (a live frame or a read
// refetches it; polled each minute besides). Read by screen readers as part of the link's name.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { NotificationOut, Page } from "../api/types";

export const UNREAD_LIMIT = 99;

export function unreadLabel(count: number, more: boolean): string {
  return more || count > UNREAD_LIMIT ? `${UNREAD_LIMIT}+` : String(count);
}

export function UnreadBadge() {
  const unread = useQuery({
    queryKey: ["notifications", "unread-count"],
    queryFn: () => api<Page<NotificationOut>>("/v1/notifications", { query: { unread: "true", limit: UNREAD_LIMIT } }),
    refetchInterval: 60_000,
    staleTime: 10_000,
  });
  const count = unread.data?.items.length ?? 0;
  if (count === 0) return null;
  const label = unreadLabel(count, Boolean(unread.data?.nextCursor));
  return (
    <span className="count" data-testid="unread-count">
      {label}
      <span className="sr-only"> unread</span>
    </span>
  );
}
