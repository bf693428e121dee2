/** What paper trading is, and what it does to the trader's real figures today (docs/paper.md,
 * "Not built yet": paper fills count in the real analytics until they are kept out by default). */
export function PaperNotice() {
  return (
    <p className="notice" data-testid="paper-notice">
      <strong>Paper trading: virtual money.</strong> Orders fill at the market-data feed&apos;s quotes and nothing
      reaches a broker. Paper fills are journaled under the paper account&apos;s id and, for now, count in your
      Dashboard, Positions and Tax P&amp;L figures along with your real trades.
    </p>
  );
}
