import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type DragEvent, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { ImportFormat, ImportReport, ImportRequest } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";

// POST /v1/imports takes the file's text in a JSON body up to 1 MiB (docs/imports.md); larger files
// go through the upload flow (POST /v1/imports/uploads), which this page does not drive yet.
const MAX_BYTES = 1024 * 1024;

const FORMATS: { value: ImportFormat; label: string }[] = [
  { value: "zerodha_tradebook", label: "Zerodha Console tradebook" },
  { value: "upstox_trades", label: "Upstox trades" },
  { value: "generic", label: "Generic CSV" },
];

export function Imports() {
  const client = useQueryClient();
  const [format, setFormat] = useState<ImportFormat>("zerodha_tradebook");
  const [accountId, setAccountId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: async (request: ImportRequest) => api<ImportReport>("/v1/imports", { method: "POST", body: request }),
    onSuccess: () => client.invalidateQueries(),
  });

  function choose(chosen: File | null | undefined) {
    setProblem(null);
    upload.reset();
    if (chosen && chosen.size > MAX_BYTES) {
      setProblem(`${chosen.name} is larger than 1 MiB: split it, or use the upload API (docs/imports.md).`);
      setFile(null);
      return;
    }
    setFile(chosen ?? null);
  }

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!file) {
      setProblem("Choose a CSV file first.");
      return;
    }
    const csv = await file.text();
    const request: ImportRequest = { format, csv };
    if (accountId.trim()) request.accountId = accountId.trim();
    upload.mutate(request);
  }

  function drop(event: DragEvent<HTMLLabelElement>) {
    event.preventDefault();
    choose(event.dataTransfer.files[0]);
  }

  const report = upload.data;
  return (
    <section aria-labelledby="imports-title">
      <h1 id="imports-title">Import trades</h1>
      <p className="muted">
        Upload your broker&apos;s CSV. Importing the same file again adds nothing: repeated fills count as duplicates.
      </p>
      <form className="import" onSubmit={(event) => void submit(event)}>
        <label>
          Format
          <select value={format} onChange={(event) => setFormat(event.target.value as ImportFormat)}>
            {FORMATS.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Account id <small>(optional; your broker account&apos;s id lets later syncs skip these fills)</small>
          <input
            value={accountId}
            onChange={(event) => setAccountId(event.target.value)}
            pattern="[A-Za-z0-9_\-]{1,64}"
            placeholder="import"
          />
        </label>
        <label className="drop" onDragOver={(event) => event.preventDefault()} onDrop={drop}>
          CSV file (drop it here or choose)
          <input type="file" accept=".csv,text/csv" onChange={(event) => choose(event.target.files?.[0])} />
          {file && <span>{file.name}</span>}
        </label>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <ErrorMessage error={upload.error} />
        <button type="submit" disabled={upload.isPending}>
          {upload.isPending ? "Importing…" : "Import"}
        </button>
      </form>
      {report && (
        <div className="report" role="status" aria-live="polite" data-testid="import-report">
          <h2>Import report</h2>
          <dl className="figures">
            <div className="figure">
              <dt>Imported fills</dt>
              <dd data-testid="imported">{report.imported}</dd>
            </div>
            <div className="figure">
              <dt>Duplicates skipped</dt>
              <dd>{report.duplicates}</dd>
            </div>
            <div className="figure">
              <dt>Rejected rows</dt>
              <dd>{report.rejectedCount}</dd>
            </div>
            <div className="figure">
              <dt>Instruments updated</dt>
              <dd>{report.instruments}</dd>
            </div>
          </dl>
          {report.unmatchedExits > 0 && (
            <p className="notice">
              {report.unmatchedExits} sells ({report.unmatchedUnits} units) found no earlier buy: add opening lots
              for them (GET /v1/data-quality lists them).
            </p>
          )}
          {report.rejected.length > 0 && (
            <table>
              <caption>
                Rejected rows{report.rejectedCount > report.rejected.length ? ` (first ${report.rejected.length})` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {report.rejected.map((row) => (
                  <tr key={row.line}>
                    <td>{row.line}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
