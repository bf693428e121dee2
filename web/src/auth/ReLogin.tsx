import { useEffect, useRef, useState, type SyntheticEvent } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useSession } from "./SessionContext";

/** Log in again over the page when the session expired, so the page (filters, paging) is kept. */
export function ReLogin({ email, reason }: { email: string; reason: string }) {
  const { session } = useSession();
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(email, password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <div className="backdrop">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="relogin-title"
        aria-describedby="relogin-reason"
        className="dialog"
        onSubmit={(event) => void submit(event)}
      >
        <h2 id="relogin-title">Log in again</h2>
        <p id="relogin-reason" role="status">
          {reason} This page stays as it is.
        </p>
        <label>
          Email
          <input type="email" value={email} readOnly autoComplete="username" />
        </label>
        <label>
          Password
          <input
            ref={field}
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
            autoComplete="current-password"
          />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Please wait…" : "Log in"}
        </button>
        <button type="button" className="link" onClick={() => session.forget()}>
          Log in as someone else
        </button>
      </form>
    </div>
  );
}
