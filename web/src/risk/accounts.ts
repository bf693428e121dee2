// The accounts risk limits apply to (docs/risk.md): the user's paper accounts (GET
// /v1/paper/accounts) and connected broker accounts (GET /v1/broker-accounts), as one list of
// choices for the account limits form and the violations filter.
import type { BrokerAccountOut, PaperAccount } from "../api/types";

export interface AccountChoice {
  accountId: string;
  label: string;
}

/** Paper accounts first (open ones, then closed), then broker accounts, each labelled with what it is. */
export function accountChoices(paper: readonly PaperAccount[], broker: readonly BrokerAccountOut[]): AccountChoice[] {
  const open = paper.filter((account) => account.status === "open");
  const closed = paper.filter((account) => account.status !== "open");
  return [
    ...open.map((account) => ({ accountId: account.accountId, label: `Paper: ${account.name}` })),
    ...closed.map((account) => ({ accountId: account.accountId, label: `Paper: ${account.name} (closed)` })),
    ...broker.map((account) => ({
      accountId: account.accountId,
      label: `${account.broker.charAt(0).toUpperCase()}${account.broker.slice(1)}${account.brokerUserId ? ` ${account.brokerUserId}` : ""}`,
    })),
  ];
}

/** An account's label, or its id when it is not among the choices (e.g. one since closed). */
export function accountLabel(choices: readonly AccountChoice[], accountId: string): string {
  return choices.find((choice) => choice.accountId === accountId)?.label ?? accountId;
}
