// The toast of a breached risk limit (the notifier's `risk_violation` notification frame;
// docs/websocket.md): it names the rule and the account, and stays until dismissed (the trader should
// act on it). A frame without the violation's fields (before they were sent) says its own words.
import type { QueryClient } from "@tanstack/react-query";
import type { BrokerAccountOut, PaperAccount } from "../api/types";
import type { Frame, NotificationFrame, Toast } from "../live/frames";
import { PAPER_ACCOUNTS } from "../paper/order";
import { accountChoices, accountLabel } from "./accounts";
import { ruleLabel } from "./limits";

/** An account's label from the accounts the app has read (paper and broker), else its id. */
export function cachedAccountLabel(client: QueryClient, accountId: string): string {
  const paper = client.getQueryData<{ items: PaperAccount[] }>(PAPER_ACCOUNTS)?.items ?? [];
  const broker = client.getQueryData<{ items: BrokerAccountOut[] }>(["broker-accounts"])?.items ?? [];
  return accountLabel(accountChoices(paper, broker), accountId);
}

/** The toast of a risk_violation frame; `account` labels an account id. */
export function riskViolationToast(frame: NotificationFrame, account: (accountId: string) => string): Omit<Toast, "id"> {
  const violation = frame.violation;
  if (!violation) return { title: frame.title, message: frame.message, tone: "bad", sticky: true };
  return {
    title: `Risk limit breached: ${ruleLabel(violation.rule)}`,
    message: `${account(violation.accountId)}: ${frame.message}`,
    tone: "bad",
    sticky: true,
  };
}

/** The violations pushed since the Risk page opened (their ids, oldest first): the list marks them
 * new. A frame that is not a violation's, or one already known, leaves `ids` as they are. */
export function withPushedViolation(ids: readonly string[], frame: Frame): readonly string[] {
  if (frame.type !== "notification" || !frame.violation) return ids;
  const id = frame.violation.violationId;
  return ids.includes(id) ? ids : [...ids, id];
}
