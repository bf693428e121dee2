// The trade detail's screenshots (docs/attachments.md): "Attach screenshot" (PNG, JPEG or WebP, at
// most 5 MB, checked here before any request) runs ask → presigned POST to S3 → confirm → poll;
// the trade's screenshots as a grid of thumbnails linking to the cleaned original (links renewed
// before they expire); delete after a confirmation; the API's refusals in words.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { api } from "../api/client";
import type { AttachmentList, AttachmentOut } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { formatIst } from "../format";
import { formatSize } from "../reports/request";
import {
  ACCEPT,
  attachmentErrorText,
  attachmentPath,
  attachScreenshot,
  fileProblem,
  PHASE_LABELS,
  relistDelay,
  STATUS_LABELS,
  type Phase,
} from "./upload";
import "../pages/accounts.css";
import "./screenshots.css";

const deps = {
  api: <T,>(path: string, options: { method: "POST" | "GET"; body?: unknown }) => api<T>(path, options),
  fetch: (url: string, init: RequestInit) => fetch(url, init),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export function Screenshots({ tradeId }: { tradeId: string }) {
  const ids = useId();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const key = ["attachments", tradeId];
  const list = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api<AttachmentList>(`/v1/attachments/trades/${encodeURIComponent(tradeId)}`, { signal }),
    refetchInterval: (query) => relistDelay(query.state.data?.items ?? [], new Date()),
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const attach = useMutation({
    mutationFn: (file: File) => attachScreenshot(deps, tradeId, file, (next) => setPhase(next)),
    onSuccess: (attachment) => {
      setOutcome(
        attachment.status === "ready"
          ? `${attachment.fileName ?? "The screenshot"} is attached.`
          : attachment.status === "rejected"
            ? `${attachment.fileName ?? "The screenshot"} was refused: ${attachment.error ?? "not a PNG, JPEG or WebP image"}.`
            : "The screenshot is still being processed; it will show here when it is ready.",
      );
    },
    onSettled: () => {
      setPhase(null);
      if (input.current) input.current.value = "";
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const [deleting, setDeleting] = useState<AttachmentOut | null>(null);
  const remove = useMutation({
    mutationFn: (attachmentId: string) => api<undefined>(attachmentPath(attachmentId), { method: "DELETE" }),
    onSuccess: () => {
      setDeleting(null);
      setOutcome("The screenshot is deleted.");
    },
    onSettled: () => void client.invalidateQueries({ queryKey: key }),
  });

  function choose(file: File | undefined) {
    setOutcome(null);
    attach.reset();
    if (!file) return;
    const refused = fileProblem(file);
    setProblem(refused);
    if (refused) {
      if (input.current) input.current.value = "";
      return;
    }
    attach.mutate(file);
  }

  const items = list.data?.items ?? [];
  const limit = list.data?.limit ?? 10;
  const full = items.filter((item) => item.status !== "rejected").length >= limit;
  return (
    <section aria-labelledby={`${ids}-title`} className="screenshots">
      <h2 id={`${ids}-title`}>Screenshots</h2>
      <label className="attach">
        Attach screenshot <small className="muted">(PNG, JPEG or WebP, at most 5 MB)</small>
        <input
          ref={input}
          type="file"
          accept={ACCEPT}
          disabled={attach.isPending}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${ids}-problem` : undefined}
          onChange={(event) => choose(event.target.files?.[0])}
        />
      </label>
      {full && <p className="muted small">This trade has {limit} screenshots, the most it can have: delete one to attach another.</p>}
      {problem && (
        <p role="alert" className="error" id={`${ids}-problem`}>
          {problem}
        </p>
      )}
      {attach.error && (
        <p role="alert" className="error">
          {attachmentErrorText(attach.error)}
        </p>
      )}
      {remove.error && !deleting && (
        <p role="alert" className="error">
          {attachmentErrorText(remove.error)}
        </p>
      )}
      <p role="status" className="small">
        {phase ? PHASE_LABELS[phase] : (outcome ?? "")}
        {phase && <progress aria-label={PHASE_LABELS[phase]} />}
      </p>
      {list.error && (
        <p role="alert" className="error">
          {attachmentErrorText(list.error)}
        </p>
      )}
      {list.isPending && <p aria-live="polite">Loading screenshots…</p>}
      {list.isSuccess && items.length === 0 && <p className="empty">No screenshots on this trade yet.</p>}
      {items.length > 0 && (
        <ul className="shot-grid" data-testid="screenshots">
          {items.map((item) => (
            <Shot key={item.attachmentId} item={item} onDelete={() => setDeleting(item)} />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this screenshot?"
        confirmLabel="Delete screenshot"
        busy={remove.isPending}
        onCancel={() => {
          setDeleting(null);
          remove.reset();
        }}
        onConfirm={() => deleting && remove.mutate(deleting.attachmentId)}
      >
        <p>
          {deleting?.fileName ?? "The screenshot"} and its thumbnail are removed from this trade. This cannot be undone.
        </p>
        {remove.error && (
          <p role="alert" className="error">
            {attachmentErrorText(remove.error)}
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function Shot({ item, onDelete }: { item: AttachmentOut; onDelete: () => void }) {
  const name = item.fileName ?? "screenshot";
  const status = STATUS_LABELS[item.status];
  return (
    <li data-attachment-id={item.attachmentId} data-status={item.status}>
      {item.status === "ready" && item.url && item.thumbnailUrl ? (
        <a href={item.url} target="_blank" rel="noopener noreferrer" title={`Open ${name} (full size)`}>
          <img
            src={item.thumbnailUrl}
            alt={`${name}, ${String(item.width ?? "?")} × ${String(item.height ?? "?")} pixels`}
            width={item.thumbnailWidth ?? undefined}
            height={item.thumbnailHeight ?? undefined}
            loading="lazy"
          />
        </a>
      ) : (
        <div className="shot-placeholder">
          <span className={`state state-${status.tone}`}>{status.label}</span>
          {item.status === "rejected" && <small className="block">{item.error ?? "Not a PNG, JPEG or WebP image."}</small>}
          {item.status === "awaiting_upload" && <small className="block">The file never arrived: delete this and attach it again.</small>}
        </div>
      )}
      <div className="shot-meta">
        <span className="wrap">{name}</span>
        <small className="muted block">
          {formatIst(item.createdAt, true)}
          {item.size !== null && ` · ${formatSize(item.size)}`}
        </small>
        <button type="button" className="link" onClick={onDelete} aria-label={`Delete ${name}`}>
          Delete
        </button>
      </div>
    </li>
  );
}
