import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { MeOut, NotificationPrefs, NotificationType } from "../api/types";
import { useSession } from "../auth/SessionContext";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatInr } from "../format";
import {
  capitalProblem,
  capitalValue,
  codeProblem,
  normalizePhone,
  phoneProblem,
  validatePasswordChange,
  type PasswordChange,
} from "../profile/validate";
import "./accounts.css";

const TYPES: { value: NotificationType; label: string }[] = [
  { value: "price_alert", label: "Price alerts" },
  { value: "trade_confirmation", label: "Trade confirmations" },
  { value: "sync_failed", label: "Broker sync failures" },
  { value: "needs_login", label: "Broker login expired" },
  { value: "daily_summary", label: "Daily summary" },
  { value: "report_ready", label: "Reports ready to download" },
];

export function Profile() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => api<MeOut>("/v1/me") });
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">Profile and settings</h1>
      <ErrorMessage error={me.error} />
      {me.isPending && <p role="status">Loading your profile…</p>}
      {me.data && (
        <>
          <Details me={me.data} />
          <Preferences prefs={me.data.notificationPrefs} />
          <Phone me={me.data} />
        </>
      )}
      <ChangePassword />
      <Sessions />
    </section>
  );
}

function usePatchMe(done: string) {
  const client = useQueryClient();
  const [saved, setSaved] = useState<string | null>(null);
  const patch = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<MeOut>("/v1/me", { method: "PATCH", body }),
    onMutate: () => setSaved(null),
    onSuccess: (me) => {
      client.setQueryData(["me"], me);
      setSaved(done);
    },
  });
  return { patch, saved };
}

function Details({ me }: { me: MeOut }) {
  const ids = useId();
  const [name, setName] = useState(me.name);
  const [capital, setCapital] = useState(me.capital ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const { patch, saved } = usePatchMe("Profile saved.");

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found = !name.trim() ? "Enter your name." : capitalProblem(capital);
    setProblem(found);
    if (found) return;
    patch.mutate({ name: name.trim(), capital: capitalValue(capital) });
  }
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="wide">
        You
      </h2>
      <p className="wide muted">
        {me.email} · time zone {me.timezone}
      </p>
      <label>
        Name
        <input value={name} onChange={(event) => setName(event.target.value)} maxLength={120} autoComplete="name" />
      </label>
      <label>
        Trading capital (₹)
        <input
          value={capital}
          onChange={(event) => setCapital(event.target.value)}
          inputMode="decimal"
          placeholder="500000"
          aria-describedby={`${ids}-capital-help`}
        />
        <small id={`${ids}-capital-help`} className="muted">
          {me.capital ? `Now ${formatInr(me.capital)}. ` : ""}Returns are measured against it; leave empty for none.
        </small>
      </label>
      <div className="wide">
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <ErrorMessage error={patch.error} />
        {saved && <p role="status">{saved}</p>}
        <button type="submit" disabled={patch.isPending}>
          {patch.isPending ? "Saving…" : "Save profile"}
        </button>
      </div>
    </form>
  );
}

function Preferences({ prefs }: { prefs: NotificationPrefs }) {
  const ids = useId();
  const [draft, setDraft] = useState<NotificationPrefs>(prefs);
  const { patch, saved } = usePatchMe("Notification preferences saved.");
  const channel = (key: "email" | "sms" | "push", label: string) => (
    <label className="check">
      <input type="checkbox" checked={draft[key]} onChange={(event) => setDraft({ ...draft, [key]: event.target.checked })} />
      {label}
    </label>
  );
  return (
    <form
      className="panel"
      aria-labelledby={`${ids}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        patch.mutate({ notificationPrefs: draft });
      }}
    >
      <h2 id={`${ids}-title`} className="wide">
        Notifications
      </h2>
      <fieldset>
        <legend>Send notifications by</legend>
        {channel("push", "In the app (live, while TradeTrack is open)")}
        {channel("email", "Email")}
        {channel("sms", "SMS (to a verified phone)")}
      </fieldset>
      <fieldset>
        <legend>About</legend>
        {TYPES.map((type) => (
          <label key={type.value} className="check">
            <input
              type="checkbox"
              checked={draft.types[type.value] ?? true}
              onChange={(event) => setDraft({ ...draft, types: { ...draft.types, [type.value]: event.target.checked } })}
            />
            {type.label}
          </label>
        ))}
      </fieldset>
      <div className="wide">
        <ErrorMessage error={patch.error} />
        {saved && <p role="status">{saved}</p>}
        <button type="submit" disabled={patch.isPending}>
          {patch.isPending ? "Saving…" : "Save preferences"}
        </button>
      </div>
    </form>
  );
}

function Phone({ me }: { me: MeOut }) {
  const ids = useId();
  const client = useQueryClient();
  const [phone, setPhone] = useState(me.phone ?? "");
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (number: string) =>
      api<{ phone: string; expiresIn: number; resendAfter: number }>("/v1/me/phone", { method: "POST", body: { phone: number } }),
  });
  const verify = useMutation({
    mutationFn: (digits: string) => api<{ phone: string; phoneVerified: boolean }>("/v1/me/phone/verify", { method: "POST", body: { code: digits } }),
    onSuccess: () => {
      setCode("");
      send.reset();
      void client.invalidateQueries({ queryKey: ["me"] });
    },
  });
  return (
    <form
      className="panel"
      aria-labelledby={`${ids}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (send.data) {
          const found = codeProblem(code);
          setProblem(found);
          if (!found) verify.mutate(code.trim());
        } else {
          const found = phoneProblem(phone);
          setProblem(found);
          if (!found) send.mutate(normalizePhone(phone));
        }
      }}
    >
      <h2 id={`${ids}-title`} className="wide">
        Phone for SMS
      </h2>
      <p className="wide muted" data-testid="phone-state">
        {me.phone ? `${me.phone}: ${me.phoneVerified ? "verified" : "not verified yet"}` : "No phone number yet."} SMS goes only
        to a verified number.
      </p>
      <label>
        Mobile number
        <input value={phone} onChange={(event) => setPhone(event.target.value)} inputMode="tel" autoComplete="tel" placeholder="+919876543210" />
      </label>
      {send.data && (
        <label>
          Code from the SMS
          <input value={code} onChange={(event) => setCode(event.target.value)} inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
        </label>
      )}
      <div className="wide">
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <ErrorMessage error={send.error ?? verify.error} />
        {send.data && (
          <p role="status">
            Code sent to {send.data.phone}; it is valid for {Math.round(send.data.expiresIn / 60)} minutes.
          </p>
        )}
        {verify.data && <p role="status">Phone {verify.data.phone} verified.</p>}
        <button type="submit" disabled={send.isPending || verify.isPending}>
          {send.data ? "Verify code" : "Send code"}
        </button>{" "}
        {send.data && (
          <button type="button" className="secondary" onClick={() => send.reset()}>
            Use another number
          </button>
        )}
      </div>
    </form>
  );
}

function ChangePassword() {
  const ids = useId();
  const { session, state } = useSession();
  const empty: PasswordChange = { current: "", next: "", confirm: "" };
  const [form, setForm] = useState<PasswordChange>(empty);
  const [errors, setErrors] = useState<Partial<Record<keyof PasswordChange, string>>>({});
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: async (values: PasswordChange) => {
      await api<undefined>("/v1/auth/change-password", {
        method: "POST",
        body: { currentPassword: values.current, newPassword: values.next },
      });
      // The API ended every session, this one too: log this tab in again with the new password.
      if (state.status !== "anonymous") await session.login(state.email, values.next);
    },
    onMutate: () => setDone(false),
    onSuccess: () => {
      setForm(empty);
      setDone(true);
    },
  });
  const field = (key: keyof PasswordChange, label: string, autoComplete: string) => (
    <label>
      {label}
      <input
        type="password"
        value={form[key]}
        onChange={(event) => {
          setForm({ ...form, [key]: event.target.value });
          setErrors({});
        }}
        autoComplete={autoComplete}
        aria-invalid={errors[key] ? true : undefined}
        aria-describedby={errors[key] ? `${ids}-${key}-error` : undefined}
      />
      {errors[key] && (
        <span id={`${ids}-${key}-error`} className="field-error">
          {errors[key]}
        </span>
      )}
    </label>
  );
  return (
    <form
      className="panel"
      aria-labelledby={`${ids}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const found = validatePasswordChange(form);
        setErrors(found);
        if (Object.keys(found).length === 0) change.mutate(form);
      }}
    >
      <h2 id={`${ids}-title`} className="wide">
        Change password
      </h2>
      {field("current", "Current password", "current-password")}
      {field("next", "New password", "new-password")}
      {field("confirm", "New password again", "new-password")}
      <div className="wide">
        <ErrorMessage error={change.error} />
        {done && <p role="status">Password changed. Every other session (other tabs and devices) was logged out.</p>}
        <button type="submit" disabled={change.isPending}>
          {change.isPending ? "Changing…" : "Change password"}
        </button>
      </div>
    </form>
  );
}

function Sessions() {
  const { session } = useSession();
  const [confirming, setConfirming] = useState(false);
  const logout = useMutation({ mutationFn: () => session.logoutEverywhere() });
  return (
    <section aria-labelledby="sessions-title" className="panel-section">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Lost a device, or logged in somewhere you should not have? End every session, this one included.</p>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Log out everywhere…
      </button>
      <ConfirmDialog
        open={confirming}
        title="Log out everywhere?"
        confirmLabel="Log out everywhere"
        busy={logout.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => logout.mutate()}
      >
        <p>Every tab and device logged in as you is logged out, this one too.</p>
        <ErrorMessage error={logout.error} />
      </ConfirmDialog>
    </section>
  );
}
