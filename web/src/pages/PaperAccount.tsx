// A paper account's page (/paper/<accountId>; docs/paper.md): its Paper balance, holdings with
// their free quantity and last price, the order form (src/pages/PaperOrderForm.tsx), its orders
// with fills and history (cancel a pending one), its own trades and summary (src/paper/PaperJournal.tsx),
// and reset / close after a confirmation. Everything
// re-reads every 5 s while an order is pending (the feed matches resting orders once a minute); the
// WebSocket's paper frames move the balance and the orders' states in place (src/paper/live.ts).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import type { PaperAccount, PaperOrder, PaperPortfolio } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorMessage } from "../components/ErrorMessage";
import { Figure } from "../components/Figure";
import { Money, MoneyCell } from "../components/Money";
import { formatInr, formatIst } from "../format";
import { PaperJournal, paperJournalKeys } from "../paper/PaperJournal";
import { PaperNotice } from "../paper/PaperNotice";
import { paperAccountKeys } from "../paper/live";
import { describeOrder, isLive, PAPER_ACCOUNTS, stateLabel } from "../paper/order";
import { navigate } from "../router";
import { PaperOrderForm } from "./PaperOrderForm";
import "./accounts.css";

const PENDING_REFRESH_MS = 5_000;
type Confirming = "reset" | "close" | null;

function accountPath(accountId: string, rest = ""): string {
  return `/v1/paper/accounts/${encodeURIComponent(accountId)}${rest}`;
}

export function PaperAccountPage({ accountId }: { accountId: string }) {
  const client = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [stateFilter, setStateFilter] = useState<"" | "pending" | "partially_executed">("");
  const [confirming, setConfirming] = useState<Confirming>(null);
  const keys = paperAccountKeys(accountId);

  // While an order may still fill (the list shows the newest 100, any live one among them), re-read.
  const orders = useQuery({
    queryKey: [...keys.orders, stateFilter],
    queryFn: ({ signal }) => api<{ items: PaperOrder[] }>(accountPath(accountId, "/orders"), { query: { state: stateFilter, limit: 100 }, signal }),
    refetchInterval: (query) => (query.state.data?.items.some((order) => isLive(order.state)) ? PENDING_REFRESH_MS : false),
  });
  const refetchInterval = orders.data?.items.some((order) => isLive(order.state)) ? PENDING_REFRESH_MS : false;
  const account = useQuery({
    queryKey: keys.account,
    queryFn: ({ signal }) => api<PaperAccount>(accountPath(accountId), { signal }),
    refetchInterval,
  });
  const portfolio = useQuery({
    queryKey: keys.portfolio,
    queryFn: ({ signal }) => api<PaperPortfolio>(accountPath(accountId, "/portfolio"), { signal }),
    refetchInterval,
  });

  function refresh() {
    void client.invalidateQueries({ queryKey: keys.all });
    const journal = paperJournalKeys(accountId);
    void client.invalidateQueries({ queryKey: journal.trades });
    void client.invalidateQueries({ queryKey: journal.summary });
    void client.invalidateQueries({ queryKey: PAPER_ACCOUNTS });
  }

  const cancel = useMutation({
    mutationFn: (order: PaperOrder) =>
      api<PaperOrder>(accountPath(accountId, `/orders/${encodeURIComponent(order.orderId)}/cancel`), { method: "POST" }),
    onMutate: () => setNotice(null),
    onSuccess: (order) => {
      setNotice(`Paper order canceled: ${describeOrder(order, formatInr)}.`);
      refresh();
    },
    onSettled: refresh,
  });
  const endAccount = useMutation({
    mutationFn: (action: "reset" | "close") => api<PaperAccount>(accountPath(accountId, `/${action}`), { method: "POST" }),
    onMutate: () => setNotice(null),
    onSuccess: (updated, action) => {
      setConfirming(null);
      setNotice(
        action === "reset"
          ? `Paper account reset to its starting balance of ${formatInr(updated.startingBalance)}; holdings emptied.`
          : "Paper account closed: it takes no more orders.",
      );
      refresh();
    },
  });

  function placed(text: string) {
    setNotice(text);
    refresh();
  }

  const data = account.data;
  const open = data?.status === "open";
  return (
    <section aria-labelledby="paper-account-title">
      <p>
        <a
          href="/paper"
          onClick={(event) => {
            event.preventDefault();
            navigate("/paper");
          }}
        >
          ← All paper accounts
        </a>
      </p>
      <h1 id="paper-account-title">
        Paper account{data ? `: ${data.name}` : ""} <span className="badge">Paper</span>
      </h1>
      <PaperNotice />
      <ErrorMessage error={account.error} />
      {account.isPending && <p role="status">Loading the paper account…</p>}
      {notice && (
        <p role="status" className="notice" data-testid="paper-status">
          {notice}
        </p>
      )}
      {data && (
        <>
          <p>
            <span className={`state state-${open ? "good" : "info"}`}>{open ? "Open" : "Closed: takes no more orders"}</span>{" "}
            <small className="muted">
              opened {formatIst(data.createdAt)} · <code>{data.accountId}</code>
            </small>
          </p>
          <dl className="figures" data-testid="paper-balance">
            <Figure label="Paper available" testId="paper-available">
              <Money value={data.balance.available} />
            </Figure>
            <Figure label="Paper held for pending buys" testId="paper-held">
              <Money value={data.balance.held} />
            </Figure>
            <Figure label="Paper total" testId="paper-total">
              <Money value={data.balance.total} />
            </Figure>
            <Figure label="Paper starting balance">
              <Money value={data.startingBalance} />
            </Figure>
          </dl>
        </>
      )}

      <h2>Paper holdings</h2>
      <ErrorMessage error={portfolio.error} />
      {portfolio.isSuccess && portfolio.data.holdings.length === 0 && <p className="empty">No paper holdings: buy something below.</p>}
      {portfolio.data && portfolio.data.holdings.length > 0 && (
        <div className="table-wrap">
          <table data-testid="paper-holdings">
            <caption>Paper holdings (free = not reserved by pending sells)</caption>
            <thead>
              <tr>
                <th scope="col">Instrument</th>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Free
                </th>
                <th scope="col" className="num">
                  Last price
                </th>
              </tr>
            </thead>
            <tbody>
              {portfolio.data.holdings.map((holding) => (
                <tr key={`${holding.exchange}:${holding.symbol}:${holding.product ?? "CNC"}`}>
                  <th scope="row">
                    {holding.exchange}:{holding.symbol}
                  </th>
                  <td>{holding.product ?? "CNC"}</td>
                  <td className="num">{holding.quantity}</td>
                  <td className="num">{holding.free}</td>
                  <MoneyCell value={holding.lastPrice} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {open && <PaperOrderForm accountId={accountId} onPlaced={placed} />}

      <div className="heading">
        <h2>Paper orders</h2>
        <label className="inline">
          Show
          <select value={stateFilter} onChange={(event) => setStateFilter(event.target.value as typeof stateFilter)}>
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="partially_executed">Partly executed</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={orders.error ?? cancel.error} />
      {orders.isPending && <p role="status">Loading paper orders…</p>}
      {orders.isSuccess && orders.data.items.length === 0 && (
        <p className="empty">{stateFilter ? "No paper orders in this state." : "No paper orders yet."}</p>
      )}
      {orders.data && orders.data.items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="paper-orders">
            <caption>Paper orders, newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">State</th>
                <th scope="col">Fills</th>
                <th scope="col" className="num">
                  Paper held
                </th>
                <th scope="col">Placed</th>
                <th scope="col">History</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.data.items.map((order) => (
                <OrderRow
                  key={order.orderId}
                  order={order}
                  canceling={cancel.isPending && cancel.variables.orderId === order.orderId}
                  onCancel={() => cancel.mutate(order)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <PaperJournal accountId={accountId} refetchInterval={refetchInterval} />

      {data && open && (
        <>
          <h2>Account</h2>
          <p className="muted">
            Reset puts the paper balance back to its start and empties the holdings (its trades stay in your journal);
            close ends the account. Neither can run while an order is pending: cancel it first.
          </p>
          <ErrorMessage error={endAccount.error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConfirming("reset")}>
              Reset paper account
            </button>
            <button type="button" className="danger" onClick={() => setConfirming("close")}>
              Close paper account
            </button>
          </div>
        </>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming === "close" ? "Close this paper account?" : "Reset this paper account?"}
        confirmLabel={confirming === "close" ? "Close paper account" : "Reset paper account"}
        busy={endAccount.isPending}
        onConfirm={() => confirming && endAccount.mutate(confirming)}
        onCancel={() => {
          setConfirming(null);
          endAccount.reset();
        }}
      >
        <p>
          {confirming === "close"
            ? "It will take no more orders. Its trades stay in your journal."
            : `Its paper balance goes back to ${formatInr(data?.startingBalance)} and its holdings are emptied. Its trades stay in your journal.`}
        </p>
        <ErrorMessage error={endAccount.error} />
      </ConfirmDialog>
    </section>
  );
}

function OrderRow({ order, canceling, onCancel }: { order: PaperOrder; canceling: boolean; onCancel: () => void }) {
  const state = stateLabel(order.state);
  const text = describeOrder(order, formatInr);
  const reason = order.history.at(-1)?.reason;
  return (
    <tr data-order-id={order.orderId} data-state={order.state}>
      <th scope="row" className="wrap">
        {text}
        <small className="muted block">
          {order.product} · {order.validity}
          {order.triggeredAt ? ` · triggered ${formatIst(order.triggeredAt, true)}` : ""}
          {order.expiresAt && isLive(order.state) ? ` · expires ${formatIst(order.expiresAt, true)}` : ""}
        </small>
      </th>
      <td className="wrap">
        <span className={`state state-${state.tone}`}>{state.label}</span>
        {(order.filledQuantity ?? 0) > 0 && order.state !== "executed" && (
          <small className="block">
            {order.filledQuantity} of {order.quantity} filled
          </small>
        )}
        {reason && <small className="muted block">{reason}</small>}
      </td>
      <td className="wrap">
        {order.fills.length === 0
          ? "—"
          : order.fills.map((fill) => (
              <span key={fill.seq} className="block">
                {fill.quantity} @ {formatInr(fill.price)} <small className="muted">(charges {formatInr(fill.charges)})</small>
              </span>
            ))}
      </td>
      <MoneyCell value={order.held} />
      <td>{formatIst(order.createdAt, true)}</td>
      <td>
        <details>
          <summary>
            {order.history.length} {order.history.length === 1 ? "change" : "changes"}
          </summary>
          <ol>
            {order.history.map((step, index) => (
              <li key={index}>
                {stateLabel(step.state).label}
                {step.quantity ? ` (${String(step.quantity)})` : ""} · {formatIst(step.at, true)}
                {step.reason ? ` · ${step.reason}` : ""}
              </li>
            ))}
          </ol>
        </details>
      </td>
      <td>
        {isLive(order.state) && (
          <button type="button" className="danger" onClick={onCancel} disabled={canceling} aria-label={`Cancel paper order: ${text}`}>
            {canceling ? "Canceling…" : "Cancel"}
          </button>
        )}
      </td>
    </tr>
  );
}
