// A tiny history router: a handful of pages do not need a router library's weight.
import { useSyncExternalStore } from "react";

export type Route =
  | "/"
  | "/trades"
  | "/positions"
  | "/tax"
  | "/data-quality"
  | "/analytics"
  | "/imports"
  | "/reports"
  | "/paper"
  | "/risk"
  | "/brokers"
  | "/alerts"
  | "/notifications"
  | "/profile";
export const ROUTES: { path: Route; label: string }[] = [
  { path: "/", label: "Dashboard" },
  { path: "/trades", label: "Trades" },
  { path: "/positions", label: "Positions" },
  { path: "/tax", label: "Tax P&L" },
  { path: "/data-quality", label: "Data quality" },
  { path: "/analytics", label: "Analytics" },
  { path: "/imports", label: "Imports" },
  { path: "/reports", label: "Reports" },
  { path: "/paper", label: "Paper trading" },
  { path: "/risk", label: "Risk" },
  { path: "/brokers", label: "Brokers" },
  { path: "/alerts", label: "Alerts" },
  { path: "/notifications", label: "Notifications" },
  { path: "/profile", label: "Profile" },
];

function subscribe(listener: () => void): () => void {
  window.addEventListener("popstate", listener);
  return () => window.removeEventListener("popstate", listener);
}

export function useRoute(): Route {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  if (path.startsWith("/trades/")) return "/trades"; // a trade's detail lives under Trades
  if (path.startsWith("/paper/")) return "/paper"; // a paper account's page lives under Paper trading
  return ROUTES.find((route) => route.path === path)?.path ?? "/";
}

/** A trade's detail page: /trades/<tradeId>. */
export function tradePath(tradeId: string): `/trades/${string}` {
  return `/trades/${encodeURIComponent(tradeId)}`;
}

/** The trade id of /trades/<tradeId>, or null on any other path. */
export function useTradeId(): string | null {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  return idUnder("trades", path);
}

/** A paper account's page: /paper/<accountId>. */
export function paperPath(accountId: string): `/paper/${string}` {
  return `/paper/${encodeURIComponent(accountId)}`;
}

/** The id in /<prefix>/<id>, or null on any other path (or a malformed %-escape). */
function idUnder(prefix: string, path: string): string | null {
  const match = new RegExp(`^/${prefix}/([^/]+)/?$`).exec(path);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** The paper account id of /paper/<accountId>, or null on any other path. */
export function usePaperAccountId(): string | null {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  return idUnder("paper", path);
}

export function navigate(path: Route | `/trades/${string}` | `/paper/${string}`): void {
  if (window.location.pathname === path) return;
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
