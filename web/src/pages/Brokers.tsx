import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { BrokerAccountOut, BrokerInfo, BrokerName, ConnectOut, Page, SyncLogOut } from "../api/types";
import { LOGIN_WINDOW, onLanding, type Landing } from "../brokers/channel";
import { accountState, expiryText, parseLanding, syncDuration } from "../brokers/status";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatIst } from "../format";
import "./accounts.css";

const ACCOUNTS = ["broker-accounts"];
const SYNC_RUNNING = new Set(["queued", "running"]);

function brokerName(brokers: BrokerInfo[] | undefined, broker: BrokerName): string {
  return brokers?.find((item) => item.broker === broker)?.name ?? broker;
}

/** Open the login window now, while the click still counts as the user's (popup blockers), and
 * point it at the broker once the API has answered the login URL. */
function openLoginWindow(): Window | null {
  const opened = window.open("about:blank", LOGIN_WINDOW, "popup,width=560,height=760");
  if (opened) opened.opener = null; // the broker's page gets no handle on this tab
  return opened;
}

export function Brokers() {
  const client = useQueryClient();
  const [now, setNow] = useState(() => new Date());
  const [logsFor, setLogsFor] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<BrokerAccountOut | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loginFailed, setLoginFailed] = useState<string | null>(null);
  const [fallbackUrl, setFallbackUrl] = useState<string | null>(null);

  const brokers = useQuery({
    queryKey: ["brokers"],
    queryFn: () => api<{ items: BrokerInfo[] }>("/v1/brokers"),
    staleTime: 5 * 60_000,
  });
  const accounts = useQuery({
    queryKey: ACCOUNTS,
    queryFn: () => api<Page<BrokerAccountOut>>("/v1/broker-accounts"),
    // a login in progress or a sync on its way changes the list soon: look again sooner
    refetchInterval: (query) =>
      query.state.data?.items.some((a) => a.status === "pending" || SYNC_RUNNING.has(a.lastSyncStatus ?? "")) ? 3_000 : 60_000,
  });

  // The clock for "expires in …" moves each minute.
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);

  // A broker whose login sends no state back (Breeze) lands with what it returned: this tab, signed
  // in, finishes the login of the account it started (docs/brokers.md), else the one pending.
  const started = useRef<{ broker: BrokerName; accountId: string } | null>(null);
  const finish = useMutation({
    mutationFn: ({ broker, params }: { broker: BrokerName; params: Record<string, string> }) => {
      const pending = client.getQueryData<Page<BrokerAccountOut>>(ACCOUNTS)?.items.filter((a) => a.broker === broker && a.status !== "active");
      const accountId = started.current?.broker === broker ? started.current.accountId : pending?.length === 1 ? pending[0]?.accountId : undefined;
      if (!accountId) {
        return Promise.reject(new Error(`No ${broker} login was started in this tab: press Connect again and log in in the window that opens.`));
      }
      return api<BrokerAccountOut>("/v1/broker-accounts", { method: "POST", body: { broker, accountId, params } });
    },
    onSuccess: (account) => {
      started.current = null;
      setNotice(`Broker account ${account.accountId} is connected; its first sync is on its way.`);
      setLogsFor(account.accountId);
      void client.invalidateQueries({ queryKey: ["sync-logs", account.accountId] });
    },
    onError: () => setNotice(null), // the error shows instead of "Finishing…"
    onSettled: () => client.invalidateQueries({ queryKey: ACCOUNTS }),
  });
  const finishLogin = finish.mutate;

  // The broker's login window reports back (src/brokers/channel.ts); so does a landing in this tab.
  useEffect(() => {
    function landed(landing: Landing) {
      setFallbackUrl(null);
      void client.invalidateQueries({ queryKey: ACCOUNTS });
      if ("finish" in landing) {
        setLoginFailed(null);
        setNotice("Finishing the broker login…");
        finishLogin({ broker: landing.broker, params: landing.params });
        return;
      }
      if ("error" in landing) {
        setNotice(null);
        setLoginFailed(`The broker login did not complete: ${landing.message} (${landing.error}). Try again.`);
        return;
      }
      setLoginFailed(null);
      setNotice(
        landing.status === "active"
          ? `Broker account ${landing.accountId} is connected; its first sync is on its way.`
          : `Broker login for ${landing.accountId} ended with status ${landing.status}.`,
      );
      setLogsFor(landing.accountId);
      void client.invalidateQueries({ queryKey: ["sync-logs", landing.accountId] });
    }
    const here = parseLanding(window.location.search);
    if (here) {
      landed(here);
      window.history.replaceState(null, "", "/brokers");
    }
    return onLanding(landed);
  }, [client, finishLogin]);

  const connect = useMutation({
    mutationFn: async ({ broker, accountId }: { broker: BrokerName; accountId?: string; popup: Window | null }) =>
      api<ConnectOut>("/v1/broker-accounts", { method: "POST", body: accountId ? { broker, accountId } : { broker } }),
    onMutate: () => {
      setNotice(null);
      setLoginFailed(null);
      setFallbackUrl(null);
    },
    onSuccess: (begun, { broker, popup }) => {
      started.current = { broker, accountId: begun.accountId };
      void client.invalidateQueries({ queryKey: ACCOUNTS });
      if (popup && !popup.closed) {
        popup.location.href = begun.loginUrl;
        setNotice("Log in to your broker in the window that opened; this page updates when you are back.");
      } else {
        setFallbackUrl(begun.loginUrl); // the popup was blocked: a link the user opens
      }
    },
    onError: (_error, { popup }) => popup?.close(),
  });

  const sync = useMutation({
    mutationFn: (accountId: string) =>
      api<{ syncId: string }>(`/v1/broker-accounts/${encodeURIComponent(accountId)}/sync`, { method: "POST" }),
    onMutate: () => {
      setNotice(null);
      setLoginFailed(null);
    },
    onSuccess: (accepted, accountId) => {
      setNotice(`Sync ${accepted.syncId} queued for ${accountId}.`);
      setLogsFor(accountId);
      void client.invalidateQueries({ queryKey: ["sync-logs", accountId] });
      void client.invalidateQueries({ queryKey: ACCOUNTS });
    },
  });

  const disconnect = useMutation({
    mutationFn: (accountId: string) =>
      api<undefined>(`/v1/broker-accounts/${encodeURIComponent(accountId)}`, { method: "DELETE" }),
    onSuccess: (_nothing, accountId) => {
      setConfirming(null);
      setNotice(`Broker account ${accountId} disconnected. Its trades stay in your journal.`);
      if (logsFor === accountId) setLogsFor(null);
      void client.invalidateQueries({ queryKey: ACCOUNTS });
    },
  });

  function startLogin(broker: BrokerName, accountId?: string) {
    const popup = openLoginWindow();
    connect.mutate(accountId ? { broker, accountId, popup } : { broker, popup });
  }

  const offered = brokers.data?.items ?? [];
  const items = accounts.data?.items ?? [];
  return (
    <section aria-labelledby="brokers-title">
      <h1 id="brokers-title">Brokers</h1>
      <p className="muted">
        Connect a broker account and TradeTrack syncs its fills, orders and holdings into your journal. Logins expire
        (Zerodha&apos;s each morning): reconnect when asked.
      </p>
      {notice && (
        <p role="status" className="notice" data-testid="brokers-notice">
          {notice}
        </p>
      )}
      {fallbackUrl && (
        <p className="notice" role="status">
          Your browser blocked the login window.{" "}
          <a href={fallbackUrl} target="_blank" rel="noreferrer">
            Open the broker&apos;s login
          </a>{" "}
          in a new tab, then come back here.
        </p>
      )}
      {loginFailed && (
        <p role="alert" className="error" data-testid="login-failed">
          {loginFailed}
        </p>
      )}
      <ErrorMessage error={connect.error ?? finish.error ?? sync.error} />

      <h2 id="connect-title">Connect a broker</h2>
      <ErrorMessage error={brokers.error} />
      {brokers.isPending && <p role="status">Loading brokers…</p>}
      {brokers.isSuccess && offered.length === 0 && (
        <p className="empty">This server has no broker app configured: import your broker&apos;s CSV on the Imports page instead.</p>
      )}
      <ul className="connect-list" aria-labelledby="connect-title">
        {offered.map((broker) => (
          <li key={broker.broker}>
            <button type="button" onClick={() => startLogin(broker.broker)} disabled={connect.isPending}>
              Connect {broker.name}
            </button>{" "}
            <small className="muted">(its login expires {broker.loginExpires})</small>
          </li>
        ))}
      </ul>

      <h2>Your accounts</h2>
      <ErrorMessage error={accounts.error} />
      {accounts.isPending && <p role="status">Loading accounts…</p>}
      {accounts.isSuccess && items.length === 0 && (
        <p className="empty">No broker connected yet: choose a broker above and log in to it.</p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="broker-accounts">
            <caption>Connected broker accounts (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col">Last sync</th>
                <th scope="col">Broker login</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((account) => {
                const state = accountState(account, now);
                const name = brokerName(offered, account.broker);
                const label = `${name} ${account.brokerUserId ?? account.accountId}`;
                return (
                  <tr key={account.accountId} data-account={account.accountId}>
                    <th scope="row" className="wrap">
                      {name}
                      <br />
                      <small className="muted">{account.brokerUserId ?? account.accountId}</small>
                    </th>
                    <td>
                      <span className={`state state-${state.tone}`} data-testid="account-status">
                        {state.label}
                      </span>
                      {account.lastError && <small className="muted block">{account.lastError}</small>}
                    </td>
                    <td>
                      {formatIst(account.lastSyncAt, true)}
                      {account.lastSyncStatus && <small className="muted block">{account.lastSyncStatus}</small>}
                    </td>
                    <td>
                      {expiryText(account.tokenExpiresAt, now)}
                      {account.tokenExpiresAt && <small className="muted block">{formatIst(account.tokenExpiresAt, true)}</small>}
                    </td>
                    <td>
                      <div className="actions">
                      {state.action && (
                        <button type="button" onClick={() => startLogin(account.broker, account.accountId)} disabled={connect.isPending}>
                          {state.action === "continue" ? "Continue login" : "Reconnect"}
                          <span className="sr-only"> {label}</span>
                        </button>
                      )}
                      {account.status !== "pending" && (
                        <button
                          type="button"
                          onClick={() => sync.mutate(account.accountId)}
                          disabled={sync.isPending && sync.variables === account.accountId}
                        >
                          Sync now<span className="sr-only"> {label}</span>
                        </button>
                      )}
                      <button
                        type="button"
                        className="secondary"
                        aria-expanded={logsFor === account.accountId}
                        aria-controls="sync-logs"
                        onClick={() => setLogsFor(logsFor === account.accountId ? null : account.accountId)}
                      >
                        Sync logs<span className="sr-only"> {label}</span>
                      </button>
                      <button type="button" className="danger" onClick={() => setConfirming(account)}>
                        Disconnect<span className="sr-only"> {label}</span>
                      </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {logsFor && <SyncLogs accountId={logsFor} />}

      <ConfirmDialog
        open={confirming !== null}
        title="Disconnect this broker account?"
        confirmLabel="Disconnect"
        busy={disconnect.isPending}
        onCancel={() => {
          setConfirming(null);
          disconnect.reset();
        }}
        onConfirm={() => confirming && disconnect.mutate(confirming.accountId)}
      >
        <p>
          {confirming && `${brokerName(offered, confirming.broker)} ${confirming.brokerUserId ?? confirming.accountId}`}: syncing
          stops and TradeTrack deletes its broker login. The trades it synced stay in your journal.
        </p>
        <ErrorMessage error={disconnect.error} />
      </ConfirmDialog>
    </section>
  );
}

function SyncLogs({ accountId }: { accountId: string }) {
  const logs = useInfiniteQuery({
    queryKey: ["sync-logs", accountId],
    queryFn: ({ pageParam }) =>
      api<Page<SyncLogOut>>(`/v1/broker-accounts/${encodeURIComponent(accountId)}/sync-logs`, {
        query: { limit: 20, cursor: pageParam },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
    // a queued or running sync finishes in seconds: follow it
    refetchInterval: (query) =>
      query.state.data?.pages[0]?.items.some((log) => SYNC_RUNNING.has(log.status)) ? 2_000 : false,
  });
  const rows = logs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section id="sync-logs" aria-labelledby="sync-logs-title" className="sync-logs">
      <h2 id="sync-logs-title">Sync logs of {accountId}</h2>
      <ErrorMessage error={logs.error} />
      {logs.isPending && <p role="status">Loading sync logs…</p>}
      {logs.isSuccess && rows.length === 0 && <p className="empty">No sync yet: press Sync now.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="sync-logs">
            <caption>Newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Why</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Fills read</th>
                <th scope="col" className="num">New</th>
                <th scope="col" className="num">Duplicates</th>
                <th scope="col">Took</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((log) => (
                <tr key={log.syncId}>
                  <td>{formatIst(log.startedAt, true)}</td>
                  <td>{log.reason ?? "—"}</td>
                  <td>
                    <span className={`state state-${log.status === "success" ? "good" : SYNC_RUNNING.has(log.status) ? "info" : "bad"}`}>
                      {log.status}
                    </span>
                  </td>
                  <td className="num">{log.fetched}</td>
                  <td className="num">{log.inserted}</td>
                  <td className="num">{log.duplicates}</td>
                  <td>{syncDuration(log.startedAt, log.finishedAt)}</td>
                  <td className="wrap">
                    {log.error ?? (log.rejectedFills.length > 0 ? `${log.rejectedFills.length} fills rejected` : "—")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {logs.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void logs.fetchNextPage()} disabled={logs.isFetchingNextPage}>
          {logs.isFetchingNextPage ? "Loading…" : "Older syncs"}
        </button>
      )}
    </section>
  );
}
