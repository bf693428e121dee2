import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import "./quality.css";
import { cloneElement, useState, type InputHTMLAttributes, type ReactElement, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type {
  DataQualityOut,
  ExpiredContract,
  OpeningLotRequest,
  OrphanedAnnotation,
  SettlementRequest,
  TradePage,
  UnmatchedExit,
} from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorMessage } from "../components/ErrorMessage";
import { Money } from "../components/Money";
import { formatIst } from "../format";
import { formatDay } from "../period";
import { acquiredOnError, dayBefore, istDay, lotSymbol, priceError, quantityError } from "../quality/validate";
import { navigate } from "../router";

// What the journal cannot compute without the trader (GET /v1/data-quality; docs/data-quality.md),
// each with the form that resolves it through the API: an opening lot for a sell with no buy
// (POST /v1/opening-lots), the settlement price of an expired contract (PUT /v1/settlements).

/** Every view a resolution changes: the list itself, trades, positions, analytics, tax. */
function useRefreshAll() {
  const client = useQueryClient();
  return () => client.invalidateQueries();
}

export function DataQuality() {
  const quality = useQuery({
    queryKey: ["data-quality"],
    queryFn: ({ signal }) => api<DataQualityOut>("/v1/data-quality", { signal }),
    staleTime: 0, // read again on every visit: an import or a sync elsewhere changes it
  });
  const data = quality.data;
  const empty =
    data && data.unmatchedExits.length === 0 && data.expiredContracts.length === 0 && data.orphanedAnnotations.length === 0;
  const unknown = data?.counts.unknownContracts ?? 0;
  const openIntraday = data?.counts.openIntraday ?? 0;

  return (
    <section aria-labelledby="quality-title">
      <h1 id="quality-title">Data quality</h1>
      <p className="muted">
        What the journal cannot compute without you. Each item leaves some P&amp;L out until it is resolved.
      </p>
      <ErrorMessage error={quality.error} />
      {quality.isPending && <p aria-live="polite">Loading…</p>}
      {empty && (
        <p className="empty" data-testid="quality-empty">
          Nothing to resolve: every sell has its buy, every expired contract its price and every note its trade.
        </p>
      )}
      {data && data.unmatchedExits.length > 0 && (
        <section aria-labelledby="unmatched-title">
          <h2 id="unmatched-title">Sells without a buy ({data.unmatchedExits.length})</h2>
          <p className="muted">
            Shares bought before the journal&apos;s data starts. Add an opening lot (units, price, date acquired) in the same
            account; one lot of the units needed covers this sell and the earlier ones of that instrument. A holdings file
            works too (Imports).
          </p>
          <ul className="plain cards">
            {data.unmatchedExits.map((exit) => (
              <li key={exit.executionId}>
                <OpeningLotForm exit={exit} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {data && data.expiredContracts.length > 0 && (
        <section aria-labelledby="expired-title">
          <h2 id="expired-title">Expired contracts without a settlement price ({data.expiredContracts.length})</h2>
          <p className="muted">
            Still open after their expiry day&apos;s close. Give the underlying&apos;s final settlement price (an index&apos;s
            closing value that day, a stock&apos;s closing price): one price closes every contract of that underlying and day.
          </p>
          <ul className="plain cards">
            {uniqueSettlements(data.expiredContracts).map((group) => (
              <li key={`${group.exchange}:${group.underlying}:${group.expiry}`}>
                <SettlementForm group={group} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {data && data.orphanedAnnotations.length > 0 && (
        <section aria-labelledby="orphans-title">
          <h2 id="orphans-title">Notes that lost their trade ({data.orphanedAnnotations.length})</h2>
          <p className="muted">
            The fill that opened their trade was deleted. They are kept: attach each to the trade it belongs to now (its
            notes go after the trade&apos;s, tags are joined), or discard it.
          </p>
          <ul className="plain cards">
            {data.orphanedAnnotations.map((orphan) => (
              <li key={orphan.anchor}>
                <OrphanForm orphan={orphan} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {(unknown > 0 || openIntraday > 0) && (
        <ul className="notice">
          {unknown > 0 && <li>{unknown} derivative contracts whose symbol could not be read: they are never closed at expiry.</li>}
          {openIntraday > 0 && (
            <li>
              {openIntraday} intraday positions left open after their day: import that day&apos;s tradebook or{" "}
              <button type="button" className="link" onClick={() => navigate("/imports")}>
                add the square-off
              </button>
              .
            </li>
          )}

        </ul>
      )}
    </section>
  );
}

interface SettlementGroup {
  exchange: string;
  underlying: string;
  expiry: string;
  contracts: ExpiredContract[];
}

/** One form per (exchange, underlying, expiry): one price resolves them all. */
function uniqueSettlements(contracts: ExpiredContract[]): SettlementGroup[] {
  const groups = new Map<string, SettlementGroup>();
  for (const contract of contracts) {
    const key = `${contract.exchange}:${contract.underlying}:${contract.expiry}`;
    const group = groups.get(key) ?? { exchange: contract.exchange, underlying: contract.underlying, expiry: contract.expiry, contracts: [] };
    group.contracts.push(contract);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function OpeningLotForm({ exit }: { exit: UnmatchedExit }) {
  const refresh = useRefreshAll();
  const sellDay = istDay(exit.executedAt);
  const [quantity, setQuantity] = useState(String(exit.unitsNeeded));
  const [price, setPrice] = useState("");
  const [acquiredOn, setAcquiredOn] = useState(dayBefore(sellDay));
  const [exchange, setExchange] = useState<"NSE" | "BSE">("NSE");
  const [errors, setErrors] = useState<Partial<Record<"quantity" | "price" | "acquiredOn", string>>>({});
  const save = useMutation({
    mutationFn: (request: OpeningLotRequest) => api("/v1/opening-lots", { method: "POST", body: request }),
    onSuccess: refresh,
  });
  const id = exit.executionId;

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found: typeof errors = {};
    const q = quantityError(quantity);
    const p = priceError(price);
    const a = acquiredOnError(acquiredOn, sellDay);
    if (q) found.quantity = q;
    if (p) found.price = p;
    if (a) found.acquiredOn = a;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    save.mutate({
      symbol: lotSymbol(exit.instrument, exit.symbol),
      exchange,
      quantity: Number(quantity.trim()),
      averagePrice: price.trim(),
      acquiredOn,
      accountId: exit.accountId,
    });
  }

  return (
    <form className="resolve" onSubmit={submit} noValidate aria-labelledby={`${id}-title`} data-testid="unmatched-exit">
      <h3 id={`${id}-title`}>
        {exit.symbol}: sold {exit.quantity} on {formatIst(exit.executedAt)} at <Money value={exit.price} />
      </h3>
      <p className="muted">
        Account {exit.accountId}. Needs a lot of at least {exit.unitsNeeded} units acquired before {formatDay(sellDay)}.
      </p>
      <div className="fields">
        <Field id={`${id}-qty`} label="Units" error={errors.quantity}>
          <input inputMode="numeric" value={quantity} onChange={(event) => setQuantity(event.target.value)} />
        </Field>
        <Field id={`${id}-price`} label="Average buy price (₹)" error={errors.price}>
          <input inputMode="decimal" value={price} onChange={(event) => setPrice(event.target.value)} />
        </Field>
        <Field id={`${id}-date`} label="Acquired on" error={errors.acquiredOn}>
          <input type="date" value={acquiredOn} max={dayBefore(sellDay)} onChange={(event) => setAcquiredOn(event.target.value)} />
        </Field>
        <label>
          Exchange
          <select value={exchange} onChange={(event) => setExchange(event.target.value as "NSE" | "BSE")}>
            <option value="NSE">NSE</option>
            <option value="BSE">BSE</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={save.error} />
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Adding…" : "Add opening lot"}
      </button>
    </form>
  );
}

function OrphanForm({ orphan }: { orphan: OrphanedAnnotation }) {
  const refresh = useRefreshAll();
  const [tradeId, setTradeId] = useState("");
  const [confirming, setConfirming] = useState(false);
  const trades = useQuery({
    queryKey: ["trades", "orphan", orphan.symbol, orphan.accountId],
    queryFn: ({ signal }) =>
      api<TradePage>("/v1/trades", { query: { symbol: orphan.symbol, accountId: orphan.accountId, limit: 50 }, signal }),
  });
  const path = `/v1/data-quality/orphans/${encodeURIComponent(orphan.anchor)}`;
  const attach = useMutation({
    mutationFn: (target: string) => api(`${path}/attach`, { method: "POST", body: { tradeId: target } }),
    onSuccess: refresh,
  });
  const discard = useMutation({
    mutationFn: () => api(path, { method: "DELETE" }),
    onSuccess: async () => {
      setConfirming(false);
      await refresh();
    },
  });
  const id = `orphan-${orphan.anchor}`;
  const options = trades.data?.items ?? [];

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (tradeId) attach.mutate(tradeId);
  }

  return (
    <form className="resolve" onSubmit={submit} aria-labelledby={`${id}-title`} data-testid="orphan">
      <h3 id={`${id}-title`}>
        {orphan.symbol} ({orphan.accountId})
      </h3>
      <p>
        {orphan.notes ? `“${orphan.notes}”` : "No notes"}
        {orphan.tags && orphan.tags.length > 0 && ` · tags: ${orphan.tags.join(", ")}`}
        {orphan.strategy && ` · strategy: ${orphan.strategy}`}
        {orphan.category && ` · category: ${orphan.category}`}
      </p>
      <label>
        Attach to trade
        <select value={tradeId} onChange={(event) => setTradeId(event.target.value)} required>
          <option value="">{trades.isPending ? "Loading trades…" : options.length ? "Choose a trade" : "No trade of this symbol"}</option>
          {options.map((trade) => (
            <option key={trade.tradeId} value={trade.tradeId}>
              {`${trade.symbol} · opened ${formatIst(trade.openedAt)} · ${trade.status}`}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={trades.error ?? attach.error ?? discard.error} />
      <div className="fields">
        <button type="submit" disabled={!tradeId || attach.isPending}>
          {attach.isPending ? "Attaching…" : "Attach"}
        </button>
        <button type="button" onClick={() => setConfirming(true)}>
          Discard…
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Discard these notes?"
        confirmLabel="Discard"
        busy={discard.isPending}
        onConfirm={() => discard.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>The notes, tags and strategy written on {orphan.symbol} are deleted for good.</p>
      </ConfirmDialog>
    </form>
  );
}

function SettlementForm({ group }: { group: SettlementGroup }) {
  const refresh = useRefreshAll();
  const [price, setPrice] = useState("");
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (request: SettlementRequest) =>
      api<{ contracts: number }>("/v1/settlements", { method: "PUT", body: request }),
    onSuccess: refresh,
  });
  const id = `settle-${group.exchange}-${group.underlying}-${group.expiry}`.replace(/[^A-Za-z0-9_-]/g, "_");

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found = priceError(price, true);
    setError(found);
    if (found) return;
    save.mutate({ exchange: group.exchange, underlying: group.underlying, expiry: group.expiry, price: price.trim() });
  }

  return (
    <form className="resolve" onSubmit={submit} noValidate aria-labelledby={`${id}-title`} data-testid="expired-contract">
      <h3 id={`${id}-title`}>
        {group.underlying} ({group.exchange}) expired {formatDay(group.expiry)}
      </h3>
      <p className="muted">
        {group.contracts.map((contract) => `${contract.symbol} (${contract.accountId})`).join(", ")}
      </p>
      <Field id={`${id}-price`} label={`${group.underlying} settlement price on ${formatDay(group.expiry)} (₹)`} error={error ?? undefined}>
        <input inputMode="decimal" value={price} onChange={(event) => setPrice(event.target.value)} />
      </Field>
      <ErrorMessage error={save.error} />
      {save.data && <p role="status">Saved: {save.data.contracts} contracts closed at the price.</p>}
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save settlement price"}
      </button>
    </form>
  );
}

/** A labelled input with its error beside it (aria-describedby, aria-invalid). */
function Field({ id, label, error, children }: { id: string; label: string; error: string | undefined; children: ReactElement<InputHTMLAttributes<HTMLInputElement>> }) {
  const errorId = `${id}-error`;
  const input = cloneElement(children, { id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? errorId : undefined });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {input}
      {error && (
        <span id={errorId} role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
