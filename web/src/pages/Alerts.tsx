import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { AlertOut, MeOut, Page } from "../api/types";
import {
  alertRequest,
  describeAlert,
  isPercent,
  validateAlert,
  type AlertChannel,
  type AlertCondition,
  type AlertDraft,
  type AlertErrors,
} from "../alerts/validate";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatInr, formatIst } from "../format";
import "./accounts.css";

const CONDITIONS: { value: AlertCondition; label: string }[] = [
  { value: "above", label: "Price at or above" },
  { value: "below", label: "Price at or below" },
  { value: "pct_change_above", label: "Change % at or above" },
  { value: "pct_change_below", label: "Change % at or below" },
];
const CHANNELS: { value: AlertChannel; label: string }[] = [
  { value: "push", label: "In the app" },
  { value: "email", label: "Email" },
  { value: "sms", label: "SMS" },
];
const EMPTY: AlertDraft = { symbol: "", condition: "above", value: "", channels: ["push"], repeat: false };

export function Alerts() {
  const client = useQueryClient();
  const ids = useId();
  const [draft, setDraft] = useState<AlertDraft>(EMPTY);
  const [errors, setErrors] = useState<AlertErrors>({});
  const [status, setStatus] = useState<"" | "active" | "triggered">("");
  const [notice, setNotice] = useState<string | null>(null);

  const me = useQuery({ queryKey: ["me"], queryFn: () => api<MeOut>("/v1/me") });
  const phoneVerified = me.data?.phoneVerified === true;
  const alerts = useInfiniteQuery({
    queryKey: ["alerts", status],
    queryFn: ({ pageParam }) =>
      api<Page<AlertOut>>("/v1/alerts", { query: { status, limit: 50, cursor: pageParam } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const create = useMutation({
    mutationFn: (body: AlertDraft) => api<AlertOut>("/v1/alerts", { method: "POST", body }),
    onSuccess: (alert) => {
      setNotice(`Alert created: ${describeAlert(alert.symbol, alert.condition, alert.value, formatInr)}.`);
      setDraft(EMPTY);
      void client.invalidateQueries({ queryKey: ["alerts"] });
    },
  });
  const remove = useMutation({
    mutationFn: (alert: AlertOut) => api<undefined>(`/v1/alerts/${encodeURIComponent(alert.alertId)}`, { method: "DELETE" }),
    onSuccess: (_nothing, alert) => {
      setNotice(`Alert deleted: ${describeAlert(alert.symbol, alert.condition, alert.value, formatInr)}.`);
      void client.invalidateQueries({ queryKey: ["alerts"] });
    },
  });

  function update(fields: Partial<AlertDraft>) {
    setDraft((current) => ({ ...current, ...fields }));
    setErrors({});
    create.reset();
  }

  function toggleChannel(channel: AlertChannel, on: boolean) {
    update({ channels: on ? [...draft.channels, channel] : draft.channels.filter((c) => c !== channel) });
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    setNotice(null);
    const found = validateAlert(draft, phoneVerified);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = found.symbol ? "symbol" : found.value ? "value" : "channels";
      document.getElementById(`${ids}-${first}`)?.focus();
      return;
    }
    create.mutate(alertRequest(draft));
  }

  const rows = alerts.data?.pages.flatMap((page) => page.items) ?? [];
  const percent = isPercent(draft.condition);
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Price alerts</h1>
      <p className="muted">
        Be told when a price crosses a level, or its change since the previous close crosses a percent. Fired alerts
        show here as they happen, and in your notifications.
      </p>
      <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-new`}>
        <h2 id={`${ids}-new`} className="wide">
          New alert
        </h2>
        <label>
          Symbol
          <input
            id={`${ids}-symbol`}
            value={draft.symbol}
            onChange={(event) => update({ symbol: event.target.value })}
            placeholder="NSE:INFY"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.symbol ? true : undefined}
            aria-describedby={errors.symbol ? `${ids}-symbol-error` : undefined}
          />
          {errors.symbol && (
            <span id={`${ids}-symbol-error`} className="field-error">
              {errors.symbol}
            </span>
          )}
        </label>
        <label>
          Condition
          <select value={draft.condition} onChange={(event) => update({ condition: event.target.value as AlertCondition })}>
            {CONDITIONS.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          {percent ? "Change (%)" : "Price (₹)"}
          <input
            id={`${ids}-value`}
            value={draft.value}
            onChange={(event) => update({ value: event.target.value })}
            inputMode="decimal"
            placeholder={percent ? "-2.5" : "1550.50"}
            aria-invalid={errors.value ? true : undefined}
            aria-describedby={errors.value ? `${ids}-value-error` : undefined}
          />
          {errors.value && (
            <span id={`${ids}-value-error`} className="field-error">
              {errors.value}
            </span>
          )}
        </label>
        <fieldset aria-describedby={errors.channels ? `${ids}-channels-error` : undefined}>
          <legend>Tell me by</legend>
          {CHANNELS.map((channel, index) => (
            <label key={channel.value} className="check">
              <input
                id={index === 0 ? `${ids}-channels` : undefined}
                type="checkbox"
                checked={draft.channels.includes(channel.value)}
                onChange={(event) => toggleChannel(channel.value, event.target.checked)}
              />
              {channel.label}
              {channel.value === "sms" && !phoneVerified && <small className="muted">(verify a phone first)</small>}
            </label>
          ))}
          <label className="check">
            <input type="checkbox" checked={draft.repeat} onChange={(event) => update({ repeat: event.target.checked })} />
            Repeat (fire again each time the level is crossed anew)
          </label>
          {errors.channels && (
            <span id={`${ids}-channels-error`} className="field-error wide">
              {errors.channels}
            </span>
          )}
        </fieldset>
        <div className="wide">
          <ErrorMessage error={create.error} />
          <button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create alert"}
          </button>
        </div>
      </form>
      {notice && (
        <p role="status" className="notice" data-testid="alerts-notice">
          {notice}
        </p>
      )}

      <div className="heading">
        <h2>Your alerts</h2>
        <label className="inline">
          Show
          <select value={status} onChange={(event) => setStatus(event.target.value as typeof status)}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="triggered">Fired</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={alerts.error ?? remove.error} />
      {alerts.isPending && <p role="status">Loading alerts…</p>}
      {alerts.isSuccess && rows.length === 0 && (
        <p className="empty">{status ? "No alerts with this status." : "No alerts yet: create one above."}</p>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="alerts">
            <caption>Price alerts, newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">Status</th>
                <th scope="col">By</th>
                <th scope="col">Created</th>
                <th scope="col">Last fired</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((alert) => {
                const text = describeAlert(alert.symbol, alert.condition, alert.value, formatInr);
                return (
                  <tr key={alert.alertId}>
                    <th scope="row">{text}</th>
                    <td>
                      <span className={`state state-${alert.status === "active" ? "info" : "good"}`}>
                        {alert.status === "active" ? "Active" : "Fired"}
                      </span>
                      {alert.repeat && <small className="muted block">repeats · fired {alert.triggerCount}×</small>}
                    </td>
                    <td>{alert.channels.map((c) => CHANNELS.find((item) => item.value === c)?.label ?? c).join(", ")}</td>
                    <td>{formatIst(alert.createdAt, true)}</td>
                    <td>{formatIst(alert.triggeredAt, true)}</td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => remove.mutate(alert)}
                        disabled={remove.isPending && remove.variables.alertId === alert.alertId}
                        aria-label={`Delete alert: ${text}`}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {alerts.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void alerts.fetchNextPage()} disabled={alerts.isFetchingNextPage}>
          {alerts.isFetchingNextPage ? "Loading…" : "More alerts"}
        </button>
      )}
    </section>
  );
}
