// The Imports page's list of uploaded imports (GET /v1/imports, newest first, keyset pages with
// nextCursor): state in words, progress while one runs (re-read every 2 s then, and at once on the
// WebSocket's `import` frame), counts once done, the error code and what to do when it failed.
// The API keeps no file name: an import uploaded from this tab shows its file's name (kept in the
// query cache, which logging out clears), any other its format, account and times.
import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { ImportStatus, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { formatIst } from "../format";
import { FORMAT_NAMES, importSummary } from "./list";
import { isTerminal } from "./upload";
import "../pages/accounts.css";

const RUNNING_REFRESH_MS = 2_000;
const PAGE = 20;
const FILE_NAMES = ["import-file-names"];

/** Remember the name of the file an upload of this session sent (the API does not keep it). */
export function rememberFileName(client: QueryClient, importId: string, name: string): void {
  client.setQueryData<Record<string, string>>(FILE_NAMES, (names) => ({ ...names, [importId]: name }));
}

export function ImportHistory() {
  const client = useQueryClient();
  const names = useQuery({
    queryKey: FILE_NAMES,
    queryFn: () => client.getQueryData<Record<string, string>>(FILE_NAMES) ?? {},
    initialData: {},
    staleTime: Infinity,
    gcTime: Infinity, // kept for the session even while the page is not shown
  });
  const imports = useInfiniteQuery({
    queryKey: ["imports"],
    queryFn: ({ pageParam, signal }) => api<Page<ImportStatus>>("/v1/imports", { query: { limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((item) => !isTerminal(item.state))) ? RUNNING_REFRESH_MS : false,
  });
  const rows = imports.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="import-history-title" className="report">
      <h2 id="import-history-title">Your uploads</h2>
      <ErrorMessage error={imports.error} />
      {imports.isPending && <p role="status">Loading your uploads…</p>}
      {imports.isSuccess && rows.length === 0 && (
        <p className="empty">No background uploads yet. (Small files imported at once are not listed.)</p>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="import-history">
            <caption>Uploaded imports, newest first (times in IST, +05:30). Small files imported at once are not listed.</caption>
            <thead>
              <tr>
                <th scope="col">Import</th>
                <th scope="col">Status</th>
                <th scope="col">Details</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((item) => {
                const summary = importSummary(item);
                return (
                  <tr key={item.importId} data-import-id={item.importId} data-state={item.state}>
                    <th scope="row" className="wrap">
                      {names.data[item.importId] ?? FORMAT_NAMES[item.format]}
                      <small className="muted block">
                        {names.data[item.importId] ? `${FORMAT_NAMES[item.format]} · ` : ""}account {item.accountId} ·{" "}
                        <code>{item.importId}</code>
                      </small>
                    </th>
                    <td>
                      <span className={`state state-${summary.tone}`}>{summary.label}</span>
                    </td>
                    <td className="wrap">
                      {summary.progress && (
                        <progress
                          max={summary.progress.max}
                          {...(summary.progress.value === null ? {} : { value: summary.progress.value })}
                          aria-label={summary.detail}
                        />
                      )}
                      <span className="block">{summary.detail}</span>
                      {summary.advice && <strong className="block">{summary.advice}</strong>}
                    </td>
                    <td>{formatIst(item.startedAt ?? item.createdAt, true)}</td>
                    <td>{formatIst(item.finishedAt, true)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {imports.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void imports.fetchNextPage()} disabled={imports.isFetchingNextPage}>
          {imports.isFetchingNextPage ? "Loading…" : "Older uploads"}
        </button>
      )}
    </section>
  );
}
