import { formatInr, signOf } from "../format";

/** An amount in INR with P&L colour and a non-colour cue (▲/▼) when `pnl`; data-value keeps the raw string. */
export function Money({ value, pnl = false }: { value: string | null | undefined; pnl?: boolean }) {
  const sign = pnl ? signOf(value) : 0;
  const cls = sign > 0 ? "gain" : sign < 0 ? "loss" : undefined;
  const cue = sign > 0 ? "▲ " : sign < 0 ? "▼ " : "";
  return (
    <span className={cls} data-value={value ?? ""}>
      {cue && <span aria-hidden="true">{cue}</span>}
      {formatInr(value)}
    </span>
  );
}

/** A right-aligned table cell holding an amount. */
export function MoneyCell(props: { value: string | null | undefined; pnl?: boolean }) {
  return (
    <td className="num">
      <Money {...props} />
    </td>
  );
}
