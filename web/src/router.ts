// A tiny history router: a handful of pages do not need a router library's weight.
import { useSyncExternalStore } from "react";

export type Route = "/" | "/trades" | "/positions" | "/analytics" | "/imports";
export const ROUTES: { path: Route; label: string }[] = [
  { path: "/", label: "Dashboard" },
  { path: "/trades", label: "Trades" },
  { path: "/positions", label: "Positions" },
  { path: "/analytics", label: "Analytics" },
  { path: "/imports", label: "Imports" },
];

function subscribe(listener: () => void): () => void {
  window.addEventListener("popstate", listener);
  return () => window.removeEventListener("popstate", listener);
}

export function useRoute(): Route {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  return ROUTES.find((route) => route.path === path)?.path ?? "/";
}

export function navigate(path: Route): void {
  if (window.location.pathname === path) return;
  window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
