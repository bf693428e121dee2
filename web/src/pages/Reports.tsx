// Reports (docs/reports.md): ask for a file (POST /v1/reports, 202 queued), follow it (GET
// /v1/reports/{id} with a growing wait, and at once on the WebSocket's `report` frame) until it is
// ready, then a Download link with its presigned URL, fetched again before it expires (300 s).
// The list is the API's (GET /v1/reports, newest first, keyset pages with nextCursor; items come
// without a download URL: a ready one's is fetched when Download is pressed), with the reports
// asked for in this session shown at once, before the list is read again.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import type { Page, ReportFormat, ReportKind, ReportOut } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { TextField } from "../components/TextField";
import { formatIst } from "../format";
import {
  defaultPeriod,
  FORMAT_LABELS,
  formatSize,
  isFinished,
  mergeReports,
  periodError,
  pollDelay,
  readsItself,
  REPORT_KINDS,
  reportRequest,
  STATUS_LABELS,
  upsertReport,
  URL_MARGIN_MS,
  urlExpired,
} from "../reports/request";
import "./accounts.css";

const SESSION = ["reports", "session"];
const LIST = ["reports", "list"];
const PAGE = 20;
const KINDS = Object.entries(REPORT_KINDS) as [ReportKind, (typeof REPORT_KINDS)[ReportKind]][];

function reportPath(reportId: string): string {
  return `/v1/reports/${encodeURIComponent(reportId)}`;
}

export function Reports() {
  const client = useQueryClient();
  const ids = useId();
  const [kind, setKind] = useState<ReportKind>("tax_pnl");
  const [format, setFormat] = useState<ReportFormat>("pdf");
  const [period, setPeriod] = useState(() => defaultPeriod("tax_pnl"));
  const [error, setError] = useState<string | null>(null);

  // The reports asked for in this session (the query cache: logging out clears it with the rest).
  const session = useQuery({
    queryKey: SESSION,
    queryFn: () => client.getQueryData<ReportOut[]>(SESSION) ?? [],
    initialData: [] as ReportOut[],
    staleTime: Infinity,
    gcTime: Infinity, // kept for the session even while the page is not shown
  });
  const listed = useInfiniteQuery({
    queryKey: LIST,
    queryFn: ({ pageParam, signal }) => api<Page<ReportOut>>("/v1/reports", { query: { limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const rows = mergeReports(session.data, listed.data?.pages.flatMap((page) => page.items) ?? []);
  const create = useMutation({
    mutationFn: () => api<ReportOut>("/v1/reports", { method: "POST", body: reportRequest(kind, period, format) }),
    onSuccess: (report) => {
      client.setQueryData<ReportOut[]>(SESSION, (list) => upsertReport(list ?? [], report));
      client.setQueryData(["report", report.reportId], report);
    },
  });

  function chooseKind(next: ReportKind) {
    setKind(next);
    const spec = REPORT_KINDS[next];
    if (!spec.formats.includes(format)) setFormat(spec.formats[0] ?? "pdf");
    if (spec.period !== REPORT_KINDS[kind].period) setPeriod(defaultPeriod(next));
    setError(null);
    create.reset();
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const problem = periodError(kind, period);
    setError(problem);
    if (problem) {
      document.getElementById(`${ids}-period`)?.focus();
      return;
    }
    create.mutate();
  }

  const spec = REPORT_KINDS[kind];
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <p className="muted">
        Your trade history, the financial year&apos;s tax P&amp;L or a month&apos;s statement as a file. It is made in
        the background; this page shows it being made and gives you the download when it is ready.
      </p>
      <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-new`}>
        <h2 id={`${ids}-new`} className="wide">
          New report
        </h2>
        <label>
          Report type
          <select value={kind} onChange={(event) => chooseKind(event.target.value as ReportKind)}>
            {KINDS.map(([value, item]) => (
              <option key={value} value={value}>
                {item.label}
              </option>
            ))}
          </select>
        </label>
        <TextField
          id={`${ids}-period`}
          label={spec.period === "fy" ? "Financial year" : "Month"}
          value={period}
          onChange={(value) => {
            setPeriod(value);
            setError(null);
          }}
          error={error ?? undefined}
          placeholder={spec.period === "fy" ? "2024-25" : "2025-06"}
          autoComplete="off"
        />
        <label>
          Format
          <select value={format} onChange={(event) => setFormat(event.target.value as ReportFormat)}>
            {spec.formats.map((value) => (
              <option key={value} value={value}>
                {FORMAT_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
        <div className="wide">
          <ErrorMessage error={create.error} />
          <button type="submit" disabled={create.isPending}>
            {create.isPending ? "Asking…" : "Make the report"}
          </button>
        </div>
      </form>

      <h2>Your reports</h2>
      <ErrorMessage error={listed.error} />
      {listed.isPending && rows.length === 0 && <p role="status">Loading your reports…</p>}
      {!listed.isPending && rows.length === 0 && (
        <p className="empty">No reports yet. Download links last a few minutes; each is fetched again when needed.</p>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="reports">
            <caption>Your reports, newest first (times in IST, +05:30)</caption>
            <thead>
              <tr>
                <th scope="col">Report</th>
                <th scope="col">Status</th>
                <th scope="col">Asked</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">File</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((report) => (
                <ReportRow key={report.reportId} first={report} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {listed.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void listed.fetchNextPage()} disabled={listed.isFetchingNextPage}>
          {listed.isFetchingNextPage ? "Loading…" : "Older reports"}
        </button>
      )}
    </section>
  );
}

function ReportRow({ first }: { first: ReportOut }) {
  // A listed ready report has no URL yet: its row stays quiet until Download is pressed.
  const [reading, setReading] = useState(() => readsItself(first));
  const report = useQuery({
    queryKey: ["report", first.reportId],
    queryFn: () => api<ReportOut>(reportPath(first.reportId)),
    initialData: first,
    staleTime: 0,
    enabled: reading,
    // Unfinished: ask again after 1 s, 2 s, 4 s … 15 s (the `report` frame asks at once). Ready:
    // ask again shortly before the download URL expires, so the link on screen always works.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data) return false;
      if (!isFinished(data.status)) return pollDelay(query.state.dataUpdateCount);
      if (data.status === "ready" && data.expiresAt) {
        return Math.max(1_000, new Date(data.expiresAt).getTime() - Date.now() - URL_MARGIN_MS);
      }
      return false;
    },
  });
  const [opening, setOpening] = useState(false);
  const data = report.data;
  const status = STATUS_LABELS[data.status];
  const label = `${REPORT_KINDS[data.kind].label} ${data.period} (${FORMAT_LABELS[data.format]})`;

  // A tab left asleep may hold an expired URL, and a listed report has none: fetch a fresh one,
  // then follow it (and keep it fresh from then on).
  async function download(event?: SyntheticEvent) {
    if (!urlExpired(data, new Date())) return;
    event?.preventDefault();
    setOpening(true);
    try {
      const fresh = await report.refetch();
      setReading(true);
      if (fresh.data?.downloadUrl) window.location.assign(fresh.data.downloadUrl);
    } finally {
      setOpening(false);
    }
  }

  return (
    <tr data-report-id={data.reportId}>
      <th scope="row">{label}</th>
      <td>
        <span className={`state state-${status.tone}`} role="status">
          {status.label}
        </span>
        {data.status === "failed" && <small className="block">{data.error ?? "The report could not be made."}</small>}
        {report.error && <ErrorMessage error={report.error} />}
      </td>
      <td>{formatIst(data.createdAt, true)}</td>
      <td className="num">{formatSize(data.size)}</td>
      <td>
        {data.status === "ready" && data.downloadUrl ? (
          <a href={data.downloadUrl} download={data.fileName} onClick={(event) => void download(event)} aria-busy={opening}>
            Download {data.fileName}
          </a>
        ) : data.status === "ready" ? (
          <button type="button" className="link" onClick={() => void download()} aria-busy={opening} disabled={opening}>
            {opening ? "Fetching the link…" : `Download ${data.fileName}`}
          </button>
        ) : data.status === "failed" ? (
          "—"
        ) : (
          <span className="muted">{data.fileName} (not ready yet)</span>
        )}
      </td>
    </tr>
  );
}
