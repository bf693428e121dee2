import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import "./imports.css";
import { useCallback, useEffect, useState, type DragEvent, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { ImportFormat, ImportReport, ImportRequest, ImportStatus } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { navigate } from "../router";
import { ImportHistory, rememberFileName } from "../imports/ImportHistory";
import { importMethod, isTerminal, progressOf, startUpload, countDataRows } from "../imports/upload";
import { useLiveFrames } from "../live/LiveContext";
import type { Frame } from "../live/frames";

// Two ways in (docs/imports.md): POST /v1/imports with the file's text in a JSON body (up to 1 MiB
// and 5,000 rows: the report at once), or the upload flow for any file up to 64 MiB (presigned PUT,
// then the import worker; progress from GET /v1/imports/{id} and the WebSocket's 'import' frame).
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
const POLL_MS = 1000;
// Counting rows reads the whole file: up to this size (else the progress shows rows done only)
const COUNT_ROWS_UP_TO = 16 * 1024 * 1024;

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
  const [background, setBackground] = useState(false);
  const [totalRows, setTotalRows] = useState<number | null>(null);
  const upload = useMutation({
    mutationFn: async (request: ImportRequest) => api<ImportReport>("/v1/imports", { method: "POST", body: request }),
    onSuccess: () => client.invalidateQueries(),
  });
  const started = useMutation({
    mutationFn: async (chosen: File) =>
      startUpload({ api: (path, options) => api(path, options), fetch: (url, init) => fetch(url, init) }, chosen, format, accountId.trim() || null),
    // The API keeps no file name: the list shows this session's uploads by theirs
    onSuccess: (status, chosen) => rememberFileName(client, status.importId, chosen.name),
    onSettled: () => client.invalidateQueries({ queryKey: ["imports"] }), // the list has it now
  });
  const importId = started.data?.importId ?? null;
  const job = useQuery({
    queryKey: ["import", importId],
    queryFn: ({ signal }) => api<ImportStatus>(`/v1/imports/${encodeURIComponent(importId ?? "")}`, { signal }),
    enabled: importId !== null,
    initialData: started.data,
    refetchInterval: (query) => (query.state.data && isTerminal(query.state.data.state) ? false : POLL_MS),
  });
  const status = importId ? (job.data ?? started.data ?? null) : null;
  const finished = status !== null && isTerminal(status.state);

  // The worker's 'import' frame says it finished: read the status now rather than at the next poll
  const onFrame = useCallback(
    (frame: Frame) => {
      if (frame.type === "import" && importId !== null && frame.importId === importId) {
        void client.invalidateQueries({ queryKey: ["import", importId] });
      }
    },
    [client, importId],
  );
  useLiveFrames(onFrame);
  // Its trades are in the journal once it succeeded: the other pages' queries re-read
  const succeededId = status?.state === "succeeded" ? status.importId : null;
  useEffect(() => {
    if (succeededId !== null) void client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== "import" });
  }, [client, succeededId]);

  function choose(chosen: File | null | undefined) {
    setProblem(null);
    upload.reset();
    started.reset();
    setTotalRows(null);
    if (chosen && chosen.size > MAX_UPLOAD_BYTES) {
      setProblem(`${chosen.name} is larger than 64 MiB, the most one import takes: split it by date.`);
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
    upload.reset();
    started.reset();
    const csv = file.size <= COUNT_ROWS_UP_TO ? await file.text() : null;
    const rows = csv === null ? null : countDataRows(csv);
    setTotalRows(rows);
    if (csv === null || importMethod(file.size, rows ?? 0, background) === "upload") {
      started.mutate(file);
      return;
    }
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
        <label className="check">
          <input type="checkbox" checked={background} onChange={(event) => setBackground(event.target.checked)} />
          Import in the background with progress (files over 1 MiB or 5,000 rows always are)
        </label>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <ErrorMessage error={upload.error ?? started.error ?? job.error} />
        <button type="submit" disabled={upload.isPending || started.isPending || (status !== null && !finished)}>
          {upload.isPending || started.isPending || (status !== null && !finished) ? "Importing…" : "Import"}
        </button>
      </form>
      {started.isPending && (
        <p role="status" data-testid="upload-phase">
          Uploading {file?.name}…
        </p>
      )}
      {status && <UploadProgress status={status} totalRows={totalRows} />}
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
            <p className="notice" data-testid="unmatched-notice">
              {report.unmatchedExits} sells ({report.unmatchedUnits} units) found no earlier buy: add opening lots
              for them on the{" "}
              <button type="button" className="link" onClick={() => navigate("/data-quality")}>
                Data quality page
              </button>
              .
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
      <ImportHistory />
    </section>
  );
}

function UploadProgress({ status, totalRows }: { status: ImportStatus; totalRows: number | null }) {
  const progress = progressOf(status, totalRows);
  return (
    <div className="report" data-testid="upload-progress" data-state={status.state}>
      <h2>Background import</h2>
      <p role="status" aria-live="polite" data-testid="upload-phase">
        {progress.label}
      </p>
      <progress
        aria-label="Import progress"
        max={progress.max}
        {...(progress.value === null ? {} : { value: progress.value })}
      />
      <dl className="figures">
        <div className="figure">
          <dt>Rows done</dt>
          <dd data-testid="rows-done">{status.rowsDone}</dd>
        </div>
        <div className="figure">
          <dt>Imported fills</dt>
          <dd data-testid="upload-imported">{status.imported}</dd>
        </div>
        <div className="figure">
          <dt>Duplicates skipped</dt>
          <dd>{status.duplicates}</dd>
        </div>
        <div className="figure">
          <dt>Rejected rows</dt>
          <dd data-testid="upload-rejected">{status.rejectedCount}</dd>
        </div>
      </dl>
      {status.state === "succeeded" && status.unmatchedExits > 0 && (
        <p className="notice" data-testid="unmatched-notice">
          {status.unmatchedExits} sells ({status.unmatchedUnits} units) found no earlier buy: add opening lots for them on
          the{" "}
          <button type="button" className="link" onClick={() => navigate("/data-quality")}>
            Data quality page
          </button>
          .
        </p>
      )}
      <RejectedRows rows={status.rejected} count={status.rejectedCount} />
    </div>
  );
}

function RejectedRows({ rows, count }: { rows: { line: number; reason: string }[]; count: number }) {
  if (rows.length === 0) return null;
  return (
    <table data-testid="rejected-rows">
      <caption>Rejected rows{count > rows.length ? ` (first ${String(rows.length)} of ${String(count)})` : ""}</caption>
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${String(row.line)}:${row.reason}`}>
            <td>{row.line}</td>
            <td>{row.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
