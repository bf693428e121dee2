import type { InputHTMLAttributes, ReactNode } from "react";

type InputProps = Pick<
  InputHTMLAttributes<HTMLInputElement>,
  "inputMode" | "placeholder" | "autoComplete" | "maxLength" | "spellCheck" | "onBlur"
>;

interface Props extends InputProps {
  /** The input's id: its error is `${id}-error`, its help `${id}-help` (a form focuses `id` on an error). */
  id: string;
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  /** The form's own check of this field (shown beside it, and the input marked invalid). */
  error?: string | undefined;
  /** A line under the input when there is no error (e.g. a looked-up price). */
  help?: ReactNode;
  helpTestId?: string;
}

/** A labelled text input whose error (or help) is announced with it (aria-describedby). */
export function TextField({ id, label, value, onChange, error, help, helpTestId, ...input }: Props) {
  const describedBy = error ? `${id}-error` : help !== undefined ? `${id}-help` : undefined;
  return (
    <label>
      {label}
      <input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : (
        help !== undefined && (
          <span id={`${id}-help`} className="muted" data-testid={helpTestId}>
            {help}
          </span>
        )
      )}
    </label>
  );
}
