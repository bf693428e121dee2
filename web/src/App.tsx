import { useEffect, useRef, useState } from "react";
import { ReLogin } from "./auth/ReLogin";
import { useSession } from "./auth/SessionContext";
import { ErrorMessage } from "./components/ErrorMessage";
import { Analytics } from "./pages/Analytics";
import { AuthPage } from "./pages/AuthPage";
import { Dashboard } from "./pages/Dashboard";
import { Imports } from "./pages/Imports";
import { Positions } from "./pages/Positions";
import { Trades } from "./pages/Trades";
import { navigate, ROUTES, useRoute } from "./router";

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

  if (state.status === "anonymous") return <AuthPage />;

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <>
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
        {route === "/positions" && <Positions />}
        {route === "/analytics" && <Analytics />}
        {route === "/imports" && <Imports />}
      </main>
    </>
  );
}
