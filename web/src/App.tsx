import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { ReLogin } from "./auth/ReLogin";
import { BrokerLanding, isBrokerLanding } from "./brokers/Landing";
import { UnreadBadge } from "./components/UnreadBadge";
import { LiveProvider } from "./live/LiveContext";
import { Toasts } from "./live/Toasts";
import { useSession } from "./auth/SessionContext";
import { ErrorMessage } from "./components/ErrorMessage";
import { Analytics } from "./pages/Analytics";
import { AuthPage } from "./pages/AuthPage";
import { Dashboard } from "./pages/Dashboard";
import { Trades } from "./pages/Trades";
import { navigate, ROUTES, useRoute } from "./router";

// Pages visited now and then load on first visit (their own chunks): the initial JavaScript stays small.
const Brokers = lazy(() => import("./pages/Brokers").then((module) => ({ default: module.Brokers })));
const Alerts = lazy(() => import("./pages/Alerts").then((module) => ({ default: module.Alerts })));
const Notifications = lazy(() => import("./pages/Notifications").then((module) => ({ default: module.Notifications })));
const Positions = lazy(() => import("./pages/Positions").then((module) => ({ default: module.Positions })));
const Imports = lazy(() => import("./pages/Imports").then((module) => ({ default: module.Imports })));
const Tax = lazy(() => import("./pages/Tax").then((module) => ({ default: module.Tax })));
const DataQuality = lazy(() => import("./pages/DataQuality").then((module) => ({ default: module.DataQuality })));
const Reports = lazy(() => import("./pages/Reports").then((module) => ({ default: module.Reports })));
const Paper = lazy(() => import("./pages/Paper").then((module) => ({ default: module.Paper })));
const Risk = lazy(() => import("./pages/Risk").then((module) => ({ default: module.Risk })));
const Profile = lazy(() => import("./pages/Profile").then((module) => ({ default: module.Profile })));

export function App() {
  const { session, state } = useSession();
  const route = useRoute();
  const [error, setError] = useState<unknown>(null);
  const main = useRef<HTMLElement>(null);
  const navigated = useRef(false);

  // A page change says so: the title names the page, and focus moves to its content (screen
  // readers announce it, the keyboard continues from there), except on the first render.
  useEffect(() => {
    document.title = `${ROUTES.find((item) => item.path === route)?.label ?? ""} · TradeTrack`;
    if (navigated.current) main.current?.focus();
    navigated.current = true;
  }, [route]);

  // The broker login's window comes back without a session (src/brokers/channel.ts): it reports and closes.
  if (state.status === "anonymous") return isBrokerLanding() ? <BrokerLanding /> : <AuthPage />;

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <LiveProvider>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top" inert={state.status === "expired"}>
        <strong className="brand">TradeTrack</strong>
        <nav aria-label="Main">
          {ROUTES.map((item) => (
            <a
              key={item.path}
              href={item.path}
              aria-current={route === item.path ? "page" : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate(item.path);
              }}
            >
              {item.label}
              {item.path === "/notifications" && <UnreadBadge />}
            </a>
          ))}
        </nav>
        <span className="who">{state.email}</span>
        <button type="button" onClick={() => void run(() => session.logout())}>
          Log out
        </button>
        <button type="button" onClick={() => void run(() => session.logoutEverywhere())}>
          Log out everywhere
        </button>
      </header>
      <ErrorMessage error={error} />
      {state.status === "expired" && <ReLogin email={state.email} reason={state.reason} />}
      <main id="main" tabIndex={-1} ref={main} inert={state.status === "expired"}>
        {route === "/" && <Dashboard />}
        {route === "/trades" && <Trades />}
        {route === "/analytics" && <Analytics />}
        <Suspense fallback={<p role="status">Loading…</p>}>
          {route === "/positions" && <Positions />}
          {route === "/imports" && <Imports />}
          {route === "/tax" && <Tax />}
          {route === "/data-quality" && <DataQuality />}
          {route === "/reports" && <Reports />}
          {route === "/paper" && <Paper />}
          {route === "/risk" && <Risk />}
          {route === "/brokers" && <Brokers />}
          {route === "/alerts" && <Alerts />}
          {route === "/notifications" && <Notifications />}
          {route === "/profile" && <Profile />}
        </Suspense>
      </main>
      <Toasts />
    </LiveProvider>
  );
}
