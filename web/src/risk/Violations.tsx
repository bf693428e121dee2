// The violations the risk monitor recorded (GET /v1/risk/violations, newest first; docs/risk.md):
// one per rule, account and IST day, with what was measured against the limit, the day's P&L and
// exposure then, and whether a paper account was squared off on it. Keyset pages: "Load more" asks
// for the page after the API's nextCursor. A `risk_violation` notification re-reads it
// (src/live/LiveContext.tsx); the violations it named while the page was open are marked new.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api } from "../api/client";
import type { RiskViolation, RiskViolationPage } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { MoneyCell } from "../components/Money";
import { formatInr, formatIst } from "../format";
import { AccountSelect } from "./AccountSelect";
import { accountLabel, type AccountChoice } from "./accounts";
import { countsRule, ruleLabel } from "./limits";

export const VIOLATIONS = ["risk", "violations"];
const PAGE = 20;

function measured(violation: RiskViolation, value: string | null): string {
  if (value === null) return "—";
  return countsRule(violation.rule) ? value : formatInr(value);
}

export function Violations({ choices, pushed = [] }: { choices: AccountChoice[]; pushed?: readonly string[] }) {
  const ids = useId();
  const [accountId, setAccountId] = useState("");
  const violations = useInfiniteQuery({
    queryKey: [...VIOLATIONS, accountId],
    queryFn: ({ pageParam, signal }) =>
      api<RiskViolationPage>("/v1/risk/violations", { query: { accountId, limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const rows = violations.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby={`${ids}-title`} data-testid="risk-violations">
      <div className="heading">
        <h2 id={`${ids}-title`}>Violations</h2>
        <AccountSelect choices={choices} value={accountId} onChange={setAccountId} anyLabel="All accounts" />
      </div>
      <p className="muted small">
        The risk monitor checks each account on every market-feed tick (paper) and after every sync (broker accounts), and records a
        breached limit once per rule, account and day. A paper account that hits its daily loss limit is squared off; broker accounts
        are only alerted.
      </p>
      <ErrorMessage error={violations.error} />
      {violations.isPending && <p role="status">Loading violations…</p>}
      {violations.isSuccess && rows.length === 0 && <p className="empty">No violations recorded{accountId ? " for this account" : ""}.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Risk violations, newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Account</th>
                <th scope="col">Rule</th>
                <th scope="col">What happened</th>
                <th scope="col" className="num">
                  Measured
                </th>
                <th scope="col" className="num">
                  Limit
                </th>
                <th scope="col" className="num">
                  Day P&amp;L
                </th>
                <th scope="col" className="num">
                  Exposure
                </th>
                <th scope="col">Action</th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((violation) => (
                <tr
                  key={violation.violationId}
                  data-violation-id={violation.violationId}
                  data-rule={violation.rule}
                  data-new={pushed.includes(violation.violationId) || undefined}
                >
                  <td>
                    {violation.day}
                    {pushed.includes(violation.violationId) && (
                      <>
                        {" "}
                        <span className="state state-info">New</span>
                      </>
                    )}
                  </td>
                  <td>{accountLabel(choices, violation.accountId)}</td>
                  <th scope="row">{ruleLabel(violation.rule)}</th>
                  <td className="wrap">{violation.message}</td>
                  <td className="num">{measured(violation, violation.value)}</td>
                  <td className="num">{measured(violation, violation.limit)}</td>
                  <MoneyCell value={violation.dayPnl} pnl />
                  <MoneyCell value={violation.exposure} />
                  <td>{violation.squaredOff ? <span className="state state-bad">Squared off</span> : "Alerted"}</td>
                  <td>{formatIst(violation.createdAt, true)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {violations.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void violations.fetchNextPage()} disabled={violations.isFetchingNextPage}>
          {violations.isFetchingNextPage ? "Loading…" : "Load more violations"}
        </button>
      )}
    </section>
  );
}
