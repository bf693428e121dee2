/** What paper trading is, and where its trades count (docs/paper.md, docs/analytics.md "Real and
 * paper books": a book of their own, out of the real figures unless asked). */
export function PaperNotice() {
  return (
    <p className="notice" data-testid="paper-notice">
      <strong>Paper trading: virtual money.</strong> Orders fill at the market-data feed&apos;s quotes and nothing
      reaches a broker. Paper trades are a book of their own: your Dashboard, Positions, Tax P&amp;L and reports show
      your real accounts only.
    </p>
  );
}
