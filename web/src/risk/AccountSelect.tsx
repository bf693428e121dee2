// The account picker of the Risk page's forms and violations filter (src/risk/accounts.ts).
import type { AccountChoice } from "./accounts";

interface Props {
  choices: readonly AccountChoice[];
  value: string;
  onChange: (accountId: string) => void;
  /** The first option's label, for "" (e.g. "All accounts"); none: an account must be chosen. */
  anyLabel?: string;
  testId?: string;
}

export function AccountSelect({ choices, value, onChange, anyLabel, testId }: Props) {
  return (
    <label className="inline">
      Account
      <select value={value} onChange={(event) => onChange(event.target.value)} data-testid={testId}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {choices.map((choice) => (
          <option key={choice.accountId} value={choice.accountId}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
