// What the paper frames change in the query cache, in place (no page reload, no re-read for a
// balance): a `paper_balance` frame's figures go into the account, its portfolio and the accounts
// list as they are cached, unless the frame is no newer than what they hold (its version not above
// the balanceVersion read or last applied; a frame or a read without a version is taken); a
// `paper_order` frame moves the order's state and filled quantity in every cached order list of
// its account, then those lists and the holdings are re-read for the rest (fills, charges, history). The account's journal follows the `trades` frame (source paper).
import type { QueryClient } from "@tanstack/react-query";
import type { PaperAccount, PaperBalance, PaperOrder, PaperPortfolio } from "../api/types";
import type { PaperBalanceFrame, PaperOrderFrame } from "../live/frames";
import { isLive, PAPER_ACCOUNTS } from "./order";

/** The query keys of one paper account's page (src/pages/PaperAccount.tsx). */
export function paperAccountKeys(accountId: string): { all: string[]; account: string[]; portfolio: string[]; orders: string[] } {
  return {
    all: ["paper", accountId],
    account: ["paper", accountId, "account"],
    portfolio: ["paper", accountId, "portfolio"],
    orders: ["paper", accountId, "orders"],
  };
}

function balanceOf(frame: PaperBalanceFrame): PaperBalance {
  return { available: frame.available, held: frame.held, total: frame.total };
}

/** Whether the frame is no newer than what `item` holds (both versioned, the frame's not higher). */
export function isStale(item: { balanceVersion?: number }, frame: PaperBalanceFrame): boolean {
  return item.balanceVersion !== undefined && frame.version !== undefined && frame.version <= item.balanceVersion;
}

/** `item` with the frame's balance (and version) when it is the frame's account and the frame is
 * newer than what it holds (else `item` itself). */
export function withBalance<T extends { accountId: string; balance: PaperBalance; balanceVersion?: number }>(
  item: T,
  frame: PaperBalanceFrame,
): T {
  if (item.accountId !== frame.accountId || isStale(item, frame)) return item;
  const version = frame.version === undefined ? {} : { balanceVersion: frame.version };
  return { ...item, balance: balanceOf(frame), ...version };
}

/** The list with the frame's order moved to the frame's state (a frame older than what the list
 * shows, by filled quantity or an ended state, changes nothing); the same list when nothing changed. */
export function withOrderUpdate(list: { items: PaperOrder[] }, frame: PaperOrderFrame): { items: PaperOrder[] } {
  const items = list.items.map((order) => {
    if (order.orderId !== frame.orderId || order.state === frame.state || !isLive(order.state)) return order; // an ended order stays so
    if ((order.filledQuantity ?? 0) > frame.filledQuantity) return order;
    return { ...order, state: frame.state, filledQuantity: frame.filledQuantity };
  });
  return items.some((item, index) => item !== list.items[index]) ? { ...list, items } : list;
}

/** Apply a paper frame to what the cache holds. */
export function applyPaperFrame(client: QueryClient, frame: PaperBalanceFrame | PaperOrderFrame): void {
  const keys = paperAccountKeys(frame.accountId);
  if (frame.type === "paper_balance") {
    client.setQueryData<PaperAccount>(keys.account, (account) => account && withBalance(account, frame));
    client.setQueryData<PaperPortfolio>(keys.portfolio, (portfolio) => portfolio && withBalance(portfolio, frame));
    // A list without the account (read before it was opened) is re-read, not made fresh as it was
    const list = client.getQueryData<{ items: PaperAccount[] }>(PAPER_ACCOUNTS);
    if (list?.items.some((item) => item.accountId === frame.accountId)) {
      const items = list.items.map((item) => withBalance(item, frame));
      if (items.some((item, index) => item !== list.items[index])) client.setQueryData(PAPER_ACCOUNTS, { ...list, items });
    } else if (list) {
      void client.invalidateQueries({ queryKey: PAPER_ACCOUNTS, exact: true });
    }
    return;
  }
  client.setQueriesData<{ items: PaperOrder[] }>({ queryKey: keys.orders }, (list) => list && withOrderUpdate(list, frame));
  void client.invalidateQueries({ queryKey: keys.orders });
  if (frame.event === "executed" || frame.event === "partially_executed") void client.invalidateQueries({ queryKey: keys.portfolio });
}
