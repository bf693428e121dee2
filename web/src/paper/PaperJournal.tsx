// A paper account's own journal on its page: its summary (GET /v1/analytics/summary?accountId=pa_…)
// and its trades (GET /v1/trades?accountId=pa_…, newest first, keyset pages), each labelled Paper.
// The API keeps paper trades out of the real views unless asked by account (docs/paper.md), so the
// Dashboard and Trades pages never mix them in. Figures are the API's: nothing is summed here.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { SummaryOut, TradePage } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Figure } from "../components/Figure";
import { Money, MoneyCell } from "../components/Money";
import { formatIst, formatPercent, formatProfitFactor } from "../format";
import { navigate, tradePath } from "../router";

const PAGE = 25;

/** The query keys (under "trades" and "summary", so the `trades` frame and an order's refresh re-read them). */
export function paperJournalKeys(accountId: string): { trades: string[]; summary: string[] } {
  return { trades: ["trades", "paper", accountId], summary: ["summary", "paper", accountId] };
}

export function PaperJournal({ accountId, refetchInterval }: { accountId: string; refetchInterval: number | false }) {
  const keys = paperJournalKeys(accountId);
  const summary = useQuery({
    queryKey: keys.summary,
    queryFn: ({ signal }) => api<SummaryOut>("/v1/analytics/summary", { query: { accountId }, signal }),
    refetchInterval,
  });
  const trades = useInfiniteQuery({
    queryKey: keys.trades,
    queryFn: ({ pageParam, signal }) => api<TradePage>("/v1/trades", { query: { accountId, limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
    refetchInterval,
  });
  const rows = trades.data?.pages.flatMap((page) => page.items) ?? [];
  const data = summary.data;
  return (
    <section aria-labelledby="paper-journal-title" data-testid="paper-journal">
      <h2 id="paper-journal-title">
        Paper journal <span className="badge">Paper</span>
      </h2>
      <p className="muted small">This account&apos;s own trades and figures: paper trades stay out of your Dashboard and Trades pages.</p>
      <ErrorMessage error={summary.error} />
      {data && (
        <dl className="figures" aria-label="Paper summary">
          <Figure label="Paper net P&L" testId="paper-net-pnl">
            <Money value={data.netPnl} pnl />
          </Figure>
          <Figure label="Paper charges">
            <Money value={data.charges} />
          </Figure>
          <Figure label="Closed paper trades" testId="paper-closed-trades">
            {data.closedTrades} <small>({data.wins} W / {data.losses} L)</small>
          </Figure>
          <Figure label="Win rate">{formatPercent(data.winRate)}</Figure>
          <Figure label="Profit factor">{formatProfitFactor(data.profitFactor, data.wins, data.losses)}</Figure>
          <Figure label="Open paper positions">{data.openPositions}</Figure>
        </dl>
      )}
      <ErrorMessage error={trades.error} />
      {trades.isPending && <p role="status">Loading paper trades…</p>}
      {trades.isSuccess && rows.length === 0 && <p className="empty">No paper trades yet: they appear when an order executes.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="paper-trades">
            <caption>Paper trades of this account, newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Direction</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Qty
                </th>
                <th scope="col">Opened</th>
                <th scope="col">Closed</th>
                <th scope="col" className="num">
                  Net P&amp;L
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((trade) => (
                <tr key={trade.tradeId} data-trade-id={trade.tradeId}>
                  <th scope="row">
                    <a
                      href={tradePath(trade.tradeId)}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(tradePath(trade.tradeId));
                      }}
                    >
                      {trade.symbol}
                    </a>{" "}
                    <small>{trade.exchange}</small> <span className="badge">Paper</span>
                  </th>
                  <td>{trade.direction === "LONG" ? "Long" : "Short"}</td>
                  <td>{trade.status === "open" ? "Open" : "Closed"}</td>
                  <td className="num">{trade.quantity}</td>
                  <td>{formatIst(trade.openedAt, true)}</td>
                  <td>{formatIst(trade.closedAt, true)}</td>
                  <MoneyCell value={trade.netPnl} pnl />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {trades.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void trades.fetchNextPage()} disabled={trades.isFetchingNextPage}>
          {trades.isFetchingNextPage ? "Loading…" : "More paper trades"}
        </button>
      )}
    </section>
  );
}
