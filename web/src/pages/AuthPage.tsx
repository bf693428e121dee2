import { useState, type SyntheticEvent } from "react";
import { useSession } from "../auth/SessionContext";
import { ErrorMessage } from "../components/ErrorMessage";

export function AuthPage() {
  const { session } = useSession();
  const [mode, setMode] = useState<"login" | "register">("login");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "register") await session.register(name, email, password);
      else await session.login(email, password);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const registering = mode === "register";
  return (
    <main className="auth" id="main">
      <h1>TradeTrack</h1>
      <p className="muted">Your trading journal: P&amp;L, charges and analytics from your broker&apos;s trades.</p>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="auth-title">
        <h2 id="auth-title">{registering ? "Create your account" : "Log in"}</h2>
        {registering && (
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="name" />
          </label>
        )}
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete={registering ? "new-password" : "current-password"}
          />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Please wait…" : registering ? "Create account" : "Log in"}
        </button>
      </form>
      <p>
        {registering ? "Already have an account?" : "New to TradeTrack?"}{" "}
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(registering ? "login" : "register");
            setError(null);
          }}
        >
          {registering ? "Log in" : "Create an account"}
        </button>
      </p>
    </main>
  );
}
