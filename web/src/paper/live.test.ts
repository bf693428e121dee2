import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { PaperAccount, PaperOrder, PaperPortfolio } from "../api/types";
import type { PaperBalanceFrame, PaperOrderFrame } from "../live/frames";
import { applyPaperFrame, paperAccountKeys, withOrderUpdate } from "./live";
import { PAPER_ACCOUNTS } from "./order";

const balanceFrame: PaperBalanceFrame = { type: "paper_balance", accountId: "pa_1", available: "97000.0000", held: "3000.0000", total: "100000.0000" };
const start = { available: "100000.0000", held: "0.0000", total: "100000.0000" };

function account(accountId: string): PaperAccount {
  return { accountId, name: accountId, status: "open", startingBalance: "100000", balance: start, createdAt: "2026-12-07T04:00:00Z" };
}

function order(orderId: string, fields: Partial<PaperOrder> = {}): PaperOrder {
  return {
    orderId,
    accountId: "pa_1",
    symbol: "INFY",
    exchange: "NSE",
    side: "BUY",
    type: "LIMIT",
    quantity: 10,
    price: "1500",
    product: "CNC",
    validity: "DAY",
    state: "pending",
    filledQuantity: 0,
    held: "15000",
    fills: [],
    history: [],
    createdAt: "2026-12-07T04:00:00Z",
    ...fields,
  };
}

function orderFrame(fields: Partial<PaperOrderFrame>): PaperOrderFrame {
  return { type: "paper_order", accountId: "pa_1", orderId: "po_1", event: "partially_executed", state: "partially_executed", quantity: 10, filledQuantity: 4, ...fields };
}

describe("a paper_balance frame", () => {
  it("writes its figures into the cached account, portfolio and accounts list, and only its account's", () => {
    // Given the account's page and the accounts list cached, another account beside it
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    client.setQueryData(keys.account, account("pa_1"));
    client.setQueryData<PaperPortfolio>(keys.portfolio, { accountId: "pa_1", balance: start, holdings: [] });
    client.setQueryData(PAPER_ACCOUNTS, { items: [account("pa_1"), account("pa_2")] });
    // When the frame arrives
    applyPaperFrame(client, balanceFrame);
    // Then each shows the frame's balance, exactly as sent (decimal strings), with no query re-read
    const want = { available: "97000.0000", held: "3000.0000", total: "100000.0000" };
    expect(client.getQueryData<PaperAccount>(keys.account)?.balance).toEqual(want);
    expect(client.getQueryData<PaperPortfolio>(keys.portfolio)?.balance).toEqual(want);
    const list = client.getQueryData<{ items: PaperAccount[] }>(PAPER_ACCOUNTS);
    expect(list?.items.map((item) => item.balance)).toEqual([want, start]);
    expect(client.getQueryState(keys.account)?.isInvalidated).toBe(false);
  });

  it("has a cached accounts list without the account re-read, not made fresh as it was", () => {
    // Given the accounts list read before the account was opened (and so without it)
    const client = new QueryClient();
    client.setQueryData(PAPER_ACCOUNTS, { items: [account("pa_2")] });
    // When the new account's balance frame arrives / Then the list is left as read, and stale
    applyPaperFrame(client, balanceFrame);
    expect(client.getQueryData<{ items: PaperAccount[] }>(PAPER_ACCOUNTS)?.items.map((item) => item.balance)).toEqual([start]);
    expect(client.getQueryState(PAPER_ACCOUNTS)?.isInvalidated).toBe(true);
  });

  it("caches nothing for an account no page has read", () => {
    const client = new QueryClient();
    applyPaperFrame(client, balanceFrame);
    expect(client.getQueryData(paperAccountKeys("pa_1").account)).toBeUndefined();
  });
});

describe("a versioned paper_balance frame", () => {
  const newer = { available: "97000.0000", held: "3000.0000", total: "100000.0000" };

  it("is ignored when it is no newer than what the account, portfolio and list hold", () => {
    // Given the account read at balance version 5 (account, portfolio and list)
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    const read = { ...account("pa_1"), balanceVersion: 5 };
    client.setQueryData(keys.account, read);
    client.setQueryData<PaperPortfolio>(keys.portfolio, { accountId: "pa_1", balance: start, balanceVersion: 5, holdings: [] });
    client.setQueryData(PAPER_ACCOUNTS, { items: [read] });
    // When a frame of version 4 (sent before the read, delivered after it) and one of version 5 arrive
    applyPaperFrame(client, { ...balanceFrame, version: 4 });
    applyPaperFrame(client, { ...balanceFrame, version: 5 });
    // Then what was read stays
    expect(client.getQueryData<PaperAccount>(keys.account)).toEqual(read);
    expect(client.getQueryData<PaperPortfolio>(keys.portfolio)?.balance).toEqual(start);
    expect(client.getQueryData<{ items: PaperAccount[] }>(PAPER_ACCOUNTS)?.items).toEqual([read]);
  });

  it("is applied when newer, with its version, and an older one after it changes nothing", () => {
    // Given the account read at version 5
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    client.setQueryData(keys.account, { ...account("pa_1"), balanceVersion: 5 });
    // When version 7 arrives, then version 6 (out of order)
    applyPaperFrame(client, { ...balanceFrame, version: 7 });
    applyPaperFrame(client, { ...balanceFrame, available: "99000.0000", held: "1000.0000", version: 6 });
    // Then the account shows version 7's figures
    const shown = client.getQueryData<PaperAccount>(keys.account);
    expect([shown?.balance, shown?.balanceVersion]).toEqual([newer, 7]);
  });

  it("is applied to a balance read without a version, and one without a version is always applied", () => {
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    client.setQueryData(keys.account, account("pa_1"));
    applyPaperFrame(client, { ...balanceFrame, version: 2 });
    expect(client.getQueryData<PaperAccount>(keys.account)?.balanceVersion).toBe(2);
    applyPaperFrame(client, { ...balanceFrame, available: "99000.0000", held: "1000.0000" });
    expect(client.getQueryData<PaperAccount>(keys.account)?.balance.available).toBe("99000.0000");
  });
});

describe("a paper_order frame", () => {
  it("moves the order's state and filled quantity in every cached list of its account, then re-reads them", () => {
    // Given the page's order lists (all, and pending only) cached
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    client.setQueryData([...keys.orders, ""], { items: [order("po_1"), order("po_2")] });
    client.setQueryData([...keys.orders, "pending"], { items: [order("po_1")] });
    // When the order partly fills
    applyPaperFrame(client, orderFrame({}));
    // Then both lists show it partly executed, 4 filled, the other order untouched, and are stale
    for (const filter of ["", "pending"]) {
      const list = client.getQueryData<{ items: PaperOrder[] }>([...keys.orders, filter]);
      expect(list?.items[0]).toMatchObject({ orderId: "po_1", state: "partially_executed", filledQuantity: 4 });
      expect(client.getQueryState([...keys.orders, filter])?.isInvalidated).toBe(true);
    }
    expect(client.getQueryData<{ items: PaperOrder[] }>([...keys.orders, ""])?.items[1]).toMatchObject({ state: "pending" });
  });

  it("never moves an order back: a frame older than the list (fewer filled) changes nothing", () => {
    const list = { items: [order("po_1", { state: "partially_executed", filledQuantity: 6 })] };
    expect(withOrderUpdate(list, orderFrame({ filledQuantity: 4 }))).toBe(list);
    const canceled = { items: [order("po_1", { state: "canceled" })] };
    expect(withOrderUpdate(canceled, orderFrame({ event: "placed", state: "pending", filledQuantity: 0 }))).toBe(canceled);
    expect(withOrderUpdate(list, orderFrame({ event: "executed", state: "executed", filledQuantity: 10 })).items[0]).toMatchObject({
      state: "executed",
      filledQuantity: 10,
    });
  });

  it("re-reads the holdings after a fill, not after a rejection", () => {
    const client = new QueryClient();
    const keys = paperAccountKeys("pa_1");
    client.setQueryData<PaperPortfolio>(keys.portfolio, { accountId: "pa_1", balance: start, holdings: [] });
    applyPaperFrame(client, orderFrame({ event: "rejected", state: "rejected", filledQuantity: 0 }));
    expect(client.getQueryState(keys.portfolio)?.isInvalidated).toBe(false);
    applyPaperFrame(client, orderFrame({ event: "executed", state: "executed", filledQuantity: 10 }));
    expect(client.getQueryState(keys.portfolio)?.isInvalidated).toBe(true);
  });
});
