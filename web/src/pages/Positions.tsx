import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { PositionList, PositionOut } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Money, MoneyCell } from "../components/Money";
import { navigate } from "../router";

const REFRESH_MS = 30_000; // polled for now; live prices over the WebSocket come later

function quoteAge(position: PositionOut): string {
  if (position.lastPriceAgeS === null) return "no quote";
  const age = position.lastPriceAgeS;
  return age < 120 ? `${age} s old` : `${Math.round(age / 60)} min old`;
}

export function Positions() {
  const positions = useQuery({
    queryKey: ["positions"],
    queryFn: ({ signal }) => api<PositionList>("/v1/positions", { signal }),
    refetchInterval: REFRESH_MS,
  });
  const items = positions.data?.items ?? [];
  return (
    <section aria-labelledby="positions-title">
      <h1 id="positions-title">Open positions</h1>
      <ErrorMessage error={positions.error} />
      {positions.isPending && <p aria-live="polite">Loading positions…</p>}
      {positions.data && items.length === 0 && (
        <p className="empty">
          No open positions.{" "}
          <button type="button" className="link" onClick={() => navigate("/trades")}>
            See your closed trades
          </button>
          .
        </p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Prices refresh every 30 s; a stale price is marked.</caption>
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
              {items.map((position) => (
                <tr key={`${position.accountId}:${position.exchange}:${position.symbol}`}>
                  <th scope="row">
                    {position.symbol} <small>{position.exchange}</small>
                  </th>
                  <td>{position.accountId}</td>
                  <td className="num">{position.quantity}</td>
                  <MoneyCell value={position.avgPrice} />
                  <td className="num">
                    <Money value={position.lastPrice} />{" "}
                    {position.lastPriceStale && (
                      <span className="badge" title={quoteAge(position)}>
                        stale · {quoteAge(position)}
                      </span>
                    )}
                  </td>
                  <MoneyCell value={position.unrealizedPnl} pnl />
                  <MoneyCell value={position.dayChange} pnl />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
