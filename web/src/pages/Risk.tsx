// Risk limits (/risk; docs/risk.md): the user's own limits (GET/PUT /v1/risk/limits), each
// account's overrides (GET/PUT /v1/risk/accounts/{accountId}/limits: a field the account sets
// overrides the user's; the effective limits are what every paper order is checked against and
// what the monitor watches) and the violations recorded (src/risk/Violations.tsx).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useState } from "react";
import { api } from "../api/client";
import type { AccountRiskLimits, BrokerAccountOut, PaperAccount, RiskLimits } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatInr } from "../format";
import type { Frame } from "../live/frames";
import { useLiveFrames } from "../live/LiveContext";
import { PAPER_ACCOUNTS } from "../paper/order";
import { AccountSelect } from "../risk/AccountSelect";
import { accountChoices } from "../risk/accounts";
import { FIELD_LABELS, LIMIT_FIELDS, type LimitField } from "../risk/limits";
import { LimitsForm } from "../risk/LimitsForm";
import { withPushedViolation } from "../risk/toast";
import { Violations } from "../risk/Violations";
import "./accounts.css";

const USER_LIMITS = ["risk", "limits", "user"];

function accountLimitsKey(accountId: string): string[] {
  return ["risk", "limits", "account", accountId];
}

function accountLimitsPath(accountId: string): string {
  return `/v1/risk/accounts/${encodeURIComponent(accountId)}/limits`;
}

export function Risk() {
  const client = useQueryClient();
  const ids = useId();
  const user = useQuery({ queryKey: USER_LIMITS, queryFn: ({ signal }) => api<RiskLimits>("/v1/risk/limits", { signal }) });
  const paper = useQuery({
    queryKey: PAPER_ACCOUNTS,
    queryFn: ({ signal }) => api<{ items: PaperAccount[] }>("/v1/paper/accounts", { signal }),
  });
  const broker = useQuery({
    queryKey: ["broker-accounts"],
    queryFn: ({ signal }) => api<{ items: BrokerAccountOut[] }>("/v1/broker-accounts", { signal }),
  });
  const choices = accountChoices(paper.data?.items ?? [], broker.data?.items ?? []);
  const [picked, setPicked] = useState("");
  // violations pushed while the page is open (the frame names them): the list marks them new
  const [pushed, setPushed] = useState<readonly string[]>([]);
  const onFrame = useCallback((frame: Frame) => setPushed((ids) => withPushedViolation(ids, frame)), []);
  useLiveFrames(onFrame);
  const accountId = picked || choices[0]?.accountId || "";
  const account = useQuery({
    queryKey: accountLimitsKey(accountId),
    queryFn: ({ signal }) => api<AccountRiskLimits>(accountLimitsPath(accountId), { signal }),
    enabled: accountId !== "",
  });

  return (
    <section aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`}>Risk limits</h1>
      <p className="muted">
        Every paper order is checked against these limits before it is taken, and rejected naming the rule it breaks. An empty
        field sets no limit. An account&apos;s own limits override yours field by field; where it sets none, yours apply.
      </p>

      <ErrorMessage error={user.error} />
      <LimitsForm<RiskLimits>
        title="Your limits"
        level={2}
        stored={user.data}
        path="/v1/risk/limits"
        testId="risk-user-limits"
        onSaved={(saved) => {
          client.setQueryData(USER_LIMITS, saved);
          void client.invalidateQueries({ queryKey: ["risk", "limits", "account"] }); // their effective limits changed
        }}
      />

      <h2>An account&apos;s own limits</h2>
      <ErrorMessage error={paper.error ?? broker.error} />
      {paper.isSuccess && broker.isSuccess && choices.length === 0 && (
        <p className="empty">No accounts yet: open a paper account or connect a broker to set its own limits.</p>
      )}
      {choices.length > 0 && (
        <>
          <AccountSelect choices={choices} value={accountId} onChange={setPicked} testId="risk-account" />
          <ErrorMessage error={account.error} />
          {account.isPending && <p role="status">Loading the account&apos;s limits…</p>}
          {account.data && (
            <>
              <LimitsForm<AccountRiskLimits>
                key={accountId}
                title="Account limits"
                level={3}
                stored={account.data.account}
                inherited={account.data.user}
                path={accountLimitsPath(accountId)}
                testId="risk-account-limits"
                onSaved={(saved) => client.setQueryData(accountLimitsKey(accountId), saved)}
              />
              <Effective limits={account.data.effective} />
            </>
          )}
        </>
      )}

      <Violations choices={choices} pushed={pushed} />
    </section>
  );
}

function shown(limits: RiskLimits, field: LimitField): string {
  const value = limits[field];
  if (value === null) return "No limit";
  if (Array.isArray(value)) return value.length > 0 ? value.join(", ") : "None";
  return typeof value === "string" ? formatInr(value) : String(value);
}

/** What the checks use for the account: its own fields, else the user's. */
function Effective({ limits }: { limits: RiskLimits }) {
  return (
    <div className="table-wrap">
      <table data-testid="risk-effective">
        <caption>What this account&apos;s orders are checked against</caption>
        <tbody>
          {LIMIT_FIELDS.map((field) => (
            <tr key={field}>
              <th scope="row" className="wrap">
                {FIELD_LABELS[field].replace(/ \(₹\)$/, "")}
              </th>
              <td className="num">{shown(limits, field)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
