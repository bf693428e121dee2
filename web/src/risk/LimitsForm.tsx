// One scope's risk limits as a form (src/risk/limits.ts): the user's own, or an account's, whose
// empty fields fall back to the user's (each says what applies then). Checked as the API checks
// before sending; the API's 422s show beside their fields; PUT replaces the scope's limits whole.
import { useMutation } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import { RISK_EXCHANGES, type RiskExchange, type RiskLimits } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { TextField } from "../components/TextField";
import { formatInr, formatIst } from "../format";
import {
  COUNT_FIELDS,
  draftOf,
  FIELD_LABELS,
  isMoneyField,
  LIMIT_FIELDS,
  limitsRequest,
  MONEY_FIELDS,
  serverErrors,
  validateLimits,
  type LimitField,
  type LimitsDraft,
  type LimitsErrors,
} from "./limits";

interface Props<T> {
  /** The form's heading, and its level in the page. */
  title: string;
  level: 2 | 3;
  /** The scope's limits as stored (undefined while they load). */
  stored: RiskLimits | undefined;
  /** The user's limits, on an account's form: what applies where the account sets none. */
  inherited?: RiskLimits | undefined;
  /** The PUT route. */
  path: string;
  /** The answer saved (the page updates its cache). */
  onSaved: (answer: T) => void;
  testId: string;
}

function inheritedText(field: LimitField, inherited: RiskLimits): string {
  const value = inherited[field];
  if (value === null) return "Yours: no limit.";
  if (Array.isArray(value)) return `Yours: ${value.join(", ")}.`;
  return `Yours applies: ${typeof value === "string" ? formatInr(value) : String(value)}.`;
}

export function LimitsForm<T>({ title, level, stored, inherited, path, onSaved, testId }: Props<T>) {
  const Heading = level === 2 ? "h2" : "h3";
  const ids = useId();
  const [edited, setEdited] = useState<LimitsDraft | null>(null);
  const [errors, setErrors] = useState<LimitsErrors>({});
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const draft = edited ?? draftOf(stored);
  const save = useMutation({
    mutationFn: (body: LimitsDraft) => api<T>(path, { method: "PUT", body: limitsRequest(body) }),
    onSuccess: (answer) => {
      setEdited(null); // the form shows what the API stored
      setSavedAt(new Date().toISOString());
      onSaved(answer);
    },
    onError: (error) => setErrors(serverErrors(error)),
  });

  function update(fields: Partial<LimitsDraft>) {
    setEdited({ ...draft, ...fields });
    setErrors({});
    setSavedAt(null);
    save.reset();
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found = validateLimits(draft);
    setErrors(found);
    const first = LIMIT_FIELDS.find((field) => found[field]);
    if (first) {
      document.getElementById(`${ids}-${first}`)?.focus();
      return;
    }
    save.mutate(draft);
  }

  function toggleExchange(exchange: RiskExchange, on: boolean) {
    const current = draft.allowedExchanges ?? [];
    update({ allowedExchanges: on ? [...current, exchange] : current.filter((item) => item !== exchange) });
  }

  const help = (field: LimitField) => (inherited && draftEmpty(draft, field) ? inheritedText(field, inherited) : undefined);
  const fieldErrors = Object.keys(errors).length > 0;
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-title`} data-testid={testId}>
      <Heading id={`${ids}-title`} className="wide">
        {title}
      </Heading>
      {[...MONEY_FIELDS, ...COUNT_FIELDS].map((field) => (
        <TextField
          key={field}
          id={`${ids}-${field}`}
          label={FIELD_LABELS[field]}
          value={draft[field]}
          onChange={(value) => update({ [field]: value })}
          error={errors[field]}
          help={help(field)}
          inputMode={isMoneyField(field) ? "decimal" : "numeric"}
          placeholder="no limit"
          autoComplete="off"
        />
      ))}
      <fieldset aria-describedby={errors.allowedExchanges ? `${ids}-allowedExchanges-error` : undefined}>
        <legend>{FIELD_LABELS.allowedExchanges}</legend>
        <label className="check">
          <input
            id={`${ids}-allowedExchanges`}
            type="checkbox"
            checked={draft.allowedExchanges === null}
            onChange={(event) => update({ allowedExchanges: event.target.checked ? null : [] })}
          />
          {inherited ? "Any (or yours, if you set them)" : "Any exchange"}
        </label>
        {draft.allowedExchanges !== null &&
          RISK_EXCHANGES.map((exchange) => (
            <label key={exchange} className="check">
              <input
                type="checkbox"
                checked={draft.allowedExchanges?.includes(exchange) ?? false}
                onChange={(event) => toggleExchange(exchange, event.target.checked)}
              />
              {exchange}
            </label>
          ))}
        {errors.allowedExchanges ? (
          <span id={`${ids}-allowedExchanges-error`} className="field-error block">
            {errors.allowedExchanges}
          </span>
        ) : (
          help("allowedExchanges") && <span className="muted block">{help("allowedExchanges")}</span>
        )}
      </fieldset>
      <div className="wide">
        <TextField
          id={`${ids}-allowedInstruments`}
          label={`${FIELD_LABELS.allowedInstruments} (EXCHANGE:SYMBOL, separated by commas; empty: any)`}
          value={draft.allowedInstruments}
          onChange={(value) => update({ allowedInstruments: value })}
          error={errors.allowedInstruments}
          help={help("allowedInstruments")}
          placeholder="NSE:INFY, NSE:TCS"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="wide">
        {!fieldErrors && <ErrorMessage error={save.error} />}
        <button type="submit" disabled={save.isPending || stored === undefined}>
          {save.isPending ? "Saving…" : `Save ${title.toLowerCase()}`}
        </button>{" "}
        <span role="status" className="muted">
          {savedAt ? `Saved at ${formatIst(savedAt)}.` : stored?.updatedAt ? `Last set ${formatIst(stored.updatedAt)}.` : stored ? "Never set." : ""}
        </span>
      </div>
    </form>
  );
}

function draftEmpty(draft: LimitsDraft, field: LimitField): boolean {
  const value = draft[field];
  return value === null || value === "";
}
