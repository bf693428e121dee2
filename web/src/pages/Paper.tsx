// Paper trading (docs/paper.md): virtual accounts that trade on the market-data feed's quotes.
// /paper lists the accounts (GET /v1/paper/accounts) and opens one; /paper/<accountId> is the
// account's page (src/pages/PaperAccount.tsx). Every figure here is labelled "Paper".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { PaperAccount } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { MoneyCell } from "../components/Money";
import { TextField } from "../components/TextField";
import { formatInr, formatIst } from "../format";
import { PaperNotice } from "../paper/PaperNotice";
import { accountRequest, PAPER_ACCOUNTS, validateAccount, type AccountDraft, type AccountErrors } from "../paper/order";
import { navigate, paperPath, usePaperAccountId } from "../router";
import { PaperAccountPage } from "./PaperAccount";
import "./accounts.css";

export function Paper() {
  const accountId = usePaperAccountId();
  return accountId ? <PaperAccountPage accountId={accountId} /> : <PaperAccounts />;
}

function PaperAccounts() {
  const client = useQueryClient();
  const ids = useId();
  const [draft, setDraft] = useState<AccountDraft>({ name: "Practice", startingBalance: "100000" });
  const [errors, setErrors] = useState<AccountErrors>({});
  const accounts = useQuery({
    queryKey: PAPER_ACCOUNTS,
    queryFn: ({ signal }) => api<{ items: PaperAccount[] }>("/v1/paper/accounts", { signal }),
  });
  const open = useMutation({
    mutationFn: (body: AccountDraft) =>
      api<PaperAccount>("/v1/paper/accounts", { method: "POST", body: accountRequest(body) }),
    onSuccess: (account) => {
      void client.invalidateQueries({ queryKey: PAPER_ACCOUNTS });
      navigate(paperPath(account.accountId));
    },
  });

  function update(fields: Partial<AccountDraft>) {
    setDraft((current) => ({ ...current, ...fields }));
    setErrors({});
    open.reset();
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found = validateAccount(draft);
    setErrors(found);
    if (found.name || found.startingBalance) {
      document.getElementById(`${ids}-${found.name ? "name" : "balance"}`)?.focus();
      return;
    }
    open.mutate(draft);
  }

  const items = accounts.data?.items ?? [];
  return (
    <section aria-labelledby="paper-title">
      <h1 id="paper-title">Paper trading</h1>
      <PaperNotice />
      <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-new`}>
        <h2 id={`${ids}-new`} className="wide">
          Open a paper account
        </h2>
        <TextField
          id={`${ids}-name`}
          label="Name"
          value={draft.name}
          onChange={(name) => update({ name })}
          error={errors.name}
          maxLength={64}
          autoComplete="off"
        />
        <TextField
          id={`${ids}-balance`}
          label="Paper starting balance (₹)"
          value={draft.startingBalance}
          onChange={(startingBalance) => update({ startingBalance })}
          error={errors.startingBalance}
          inputMode="decimal"
          placeholder="100000"
        />
        <div className="wide">
          <ErrorMessage error={open.error} />
          <button type="submit" disabled={open.isPending}>
            {open.isPending ? "Opening…" : "Open paper account"}
          </button>
        </div>
      </form>

      <h2>Your paper accounts</h2>
      <ErrorMessage error={accounts.error} />
      {accounts.isPending && <p role="status">Loading paper accounts…</p>}
      {accounts.isSuccess && items.length === 0 && <p className="empty">No paper accounts yet: open one above.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="paper-accounts">
            <caption>Paper accounts (virtual money; times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Paper available
                </th>
                <th scope="col" className="num">
                  Paper held
                </th>
                <th scope="col" className="num">
                  Paper total
                </th>
                <th scope="col" className="num">
                  Paper starting balance
                </th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {items.map((account) => (
                <tr key={account.accountId} data-account-id={account.accountId}>
                  <th scope="row">
                    <a
                      href={paperPath(account.accountId)}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(paperPath(account.accountId));
                      }}
                      aria-label={`Paper account ${account.name} (${formatInr(account.balance.total)} paper total)`}
                    >
                      {account.name}
                    </a>{" "}
                    <span className="badge">Paper</span>
                  </th>
                  <td>
                    <span className={`state state-${account.status === "open" ? "good" : "info"}`}>
                      {account.status === "open" ? "Open" : "Closed"}
                    </span>
                  </td>
                  <MoneyCell value={account.balance.available} />
                  <MoneyCell value={account.balance.held} />
                  <MoneyCell value={account.balance.total} />
                  <MoneyCell value={account.startingBalance} />
                  <td>{formatIst(account.createdAt, true)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
