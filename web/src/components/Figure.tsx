import type { ReactNode } from "react";

/** One labelled figure of a `<dl className="figures">` (dashboard headline figures, a trade's figures). */
export function Figure({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="figure" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
