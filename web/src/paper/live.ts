// What the paper frames change in the query cache, in place (no page reload, no re-read for a
// balance): a `paper_balance` frame's figures go into the account, its portfolio and the accounts
// list as they are cached; a `paper_order` frame moves the order's state and filled quantity in
// every cached order list of its account, then those lists and the holdings are re-read for the
// rest (fills, charges, history). The account's journal follows the `trades` frame (source paper).
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

/** `item` with the frame's balance when it is the frame's account (else `item` itself). */
export function withBalance<T extends { accountId: string; balance: PaperBalance }>(item: T, frame: PaperBalanceFrame): T {
  return item.accountId === frame.accountId ? { ...item, balance: balanceOf(frame) } : item;
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
      client.setQueryData(PAPER_ACCOUNTS, { ...list, items: list.items.map((item) => withBalance(item, frame)) });
    } else if (list) {
      void client.invalidateQueries({ queryKey: PAPER_ACCOUNTS, exact: true });
    }
    return;
  }
  client.setQueriesData<{ items: PaperOrder[] }>({ queryKey: keys.orders }, (list) => list && withOrderUpdate(list, frame));
  void client.invalidateQueries({ queryKey: keys.orders });
  if (frame.event === "executed" || frame.event === "partially_executed") void client.invalidateQueries({ queryKey: keys.portfolio });
}
