import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { api } from "../api/client";
import type { PortfolioOut, PositionList } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Money, MoneyCell } from "../components/Money";
import { formatAge, markKey, markPosition, portfolioTotals, quoteKey, symbolsOf, type LiveMark } from "../positions/live";
import { useLiveQuotes } from "../positions/useLiveQuotes";
import { navigate } from "../router";

// Re-read now and then all the same: a fill, an expiry or a price the WebSocket missed.
const REFRESH_MS = 60_000;

const STATUS_TEXT: Record<string, string> = {
  open: "Live prices on",
  connecting: "Connecting to live prices…",
  waiting: "Live prices reconnecting…",
  unavailable: "Live prices unavailable here: prices are as read",
  idle: "Live prices off",
};

function PriceAge({ mark }: { mark: LiveMark }) {
  const age = formatAge(mark.ageS);
  if (mark.stale) {
    return (
      <span className="badge" data-testid="stale" title={mark.ageS === null ? "No quote: the last fill's price" : `No tick for ${age}`}>
        stale · {mark.ageS === null ? "no quote" : `${age} old`}
      </span>
    );
  }
  return (
    <small className="muted" data-testid="price-age">
      {mark.live ? "live" : "as read"} · {age} old
    </small>
  );
}

export function Positions() {
  const positions = useQuery({
    queryKey: ["positions"],
    queryFn: ({ signal }) => api<PositionList>("/v1/positions", { signal }),
    refetchInterval: REFRESH_MS,
  });
  const portfolio = useQuery({
    queryKey: ["positions", "portfolio"],
    queryFn: ({ signal }) => api<PortfolioOut>("/v1/portfolio", { signal }),
    refetchInterval: REFRESH_MS,
  });
  const items = useMemo(() => positions.data?.items ?? [], [positions.data]);
  const symbols = useMemo(() => symbolsOf(items), [items]);
  const live = useLiveQuotes(symbols);
  const readAt = positions.dataUpdatedAt;

  const marks = useMemo(() => {
    const map = new Map<string, LiveMark>();
    for (const position of items) {
      map.set(markKey(position), markPosition(position, live.quotes.get(quoteKey(position)), readAt, live.now));
    }
    return map;
  }, [items, live.quotes, live.now, readAt]);
  const totals = portfolio.data ? portfolioTotals(portfolio.data, marks) : null;

  return (
    <section aria-labelledby="positions-title">
      <h1 id="positions-title">Open positions</h1>
      <p className="muted" role="status" data-testid="live-status" data-status={live.status}>
        {STATUS_TEXT[live.status] ?? live.status}
        {live.status === "open" && symbols.length > 0 && ` for ${String(symbols.length)} symbols`}. A price with no tick for
        90 s is marked stale (market closed, or the feed is down).
      </p>
      {live.problem && (
        <p role="alert" className="error">
          {live.problem}
        </p>
      )}
      <ErrorMessage error={positions.error ?? portfolio.error} />
      {positions.isPending && <p aria-live="polite">Loading positions…</p>}

      {totals && portfolio.data && portfolio.data.holdings.length > 0 && (
        <section aria-labelledby="portfolio-title">
          <h2 id="portfolio-title">Portfolio (equity delivery holdings)</h2>
          <dl className="figures" data-testid="portfolio">
            <div className="figure">
              <dt>Invested</dt>
              <dd>
                <Money value={totals.totalInvested} />
              </dd>
            </div>
            <div className="figure">
              <dt>Current value {totals.stale && <span className="badge">stale</span>}</dt>
              <dd data-testid="portfolio-value">
                <Money value={totals.totalValue} />
              </dd>
            </div>
            <div className="figure">
              <dt>Unrealised P&amp;L</dt>
              <dd data-testid="portfolio-pnl">
                <Money value={totals.unrealizedPnl} pnl />
              </dd>
            </div>
            <div className="figure">
              <dt>Day change</dt>
              <dd>
                <Money value={totals.dayChange} pnl />
              </dd>
            </div>
          </dl>
        </section>
      )}

      {positions.data && items.length === 0 && (
        <p className="empty">
          No open positions.{" "}
          <button type="button" className="link" onClick={() => navigate("/imports")}>
            Import a tradebook
          </button>{" "}
          or{" "}
          <button type="button" className="link" onClick={() => navigate("/trades")}>
            see your closed trades
          </button>
          .
        </p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="positions">
            <caption>Open positions, marked at live prices where a tick has come</caption>
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Account</th>
                <th scope="col" className="num">Qty</th>
                <th scope="col" className="num">Avg price</th>
                <th scope="col" className="num">Last price</th>
                <th scope="col" className="num">Unrealised P&amp;L</th>
                <th scope="col" className="num">Day change</th>
              </tr>
            </thead>
            <tbody>
              {items.map((position) => {
                const mark = marks.get(markKey(position));
                if (!mark) return null;
                return (
                  <tr key={markKey(position)} data-symbol={quoteKey(position)} data-live={mark.live ? "yes" : "no"}>
                    <th scope="row">
                      {position.symbol} <small>{position.exchange}</small>
                    </th>
                    <td>{position.accountId}</td>
                    <td className="num">{position.quantity}</td>
                    <MoneyCell value={position.avgPrice} />
                    <td className="num" data-testid="last-price">
                      <Money value={mark.lastPrice} /> <PriceAge mark={mark} />
                    </td>
                    <td className="num" data-testid="unrealized">
                      <Money value={mark.unrealizedPnl} pnl />
                      {mark.pnlAsRead && (
                        <small className="muted" title="A lot-sized contract: its P&L is the last read's until the page re-reads">
                          {" "}
                          (as read)
                        </small>
                      )}
                    </td>
                    <MoneyCell value={mark.dayChange} pnl />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
