/**
 * Refusals and failures, shown as messages people understand: every error
 * code has its own text (describeError), with the server's detail beside it.
 */
import { useCallback, useState } from 'preact/hooks';
import { EarshotError, ErrorCode, toEarshotError } from '../sdk';

/** One message on screen. */
export interface Notice {
  id: number;
  text: string;
  detail?: string;
  code?: string;
  kind: 'error' | 'info';
}

let nextId = 1;

/** How long an information message stays. */
const INFO_MS = 8000;

/** The notices of a page and the helpers that feed them. */
export interface Notices {
  list: Notice[];
  /** Shows an error (any thrown value). */
  error: (e: unknown) => void;
  /** Shows an information message. */
  info: (text: string) => void;
  dismiss: (id: number) => void;
  /** Runs an action, showing its refusal if it fails; returns whether it succeeded. */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  busy: boolean;
}

/** Hook holding a page's notices. */
export function useNotices(): Notices {
  const [list, setList] = useState<Notice[]>([]);
  const [pending, setPending] = useState(0);
  const push = useCallback((n: Omit<Notice, 'id'>) => {
    setList((l) => [...l.filter((x) => x.text !== n.text), { ...n, id: nextId++ }].slice(-4));
  }, []);
  const error = useCallback(
    (e: unknown) => {
      const err = e instanceof EarshotError ? e : toEarshotError(e, ErrorCode.Unknown);
      const detail = err.serverMessage && err.serverMessage !== err.userMessage ? err.serverMessage : undefined;
      push({ kind: 'error', text: err.userMessage, code: String(err.code), ...(detail ? { detail } : {}) });
    },
    [push],
  );
  const info = useCallback(
    (text: string) => {
      push({ kind: 'info', text });
      // Information fades; errors stay until dismissed.
      setTimeout(() => setList((l) => l.filter((x) => !(x.kind === 'info' && x.text === text))), INFO_MS);
    },
    [push],
  );
  const dismiss = useCallback((id: number) => setList((l) => l.filter((x) => x.id !== id)), []);
  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setPending((p) => p + 1);
      try {
        await action();
        return true;
      } catch (e) {
        error(e);
        return false;
      } finally {
        setPending((p) => p - 1);
      }
    },
    [error],
  );
  return { list, error, info, dismiss, run, busy: pending > 0 };
}

/** Renders the notices; errors are announced to screen readers. */
export function NoticeList({ notices }: { notices: Notices }) {
  if (notices.list.length === 0) return null;
  return (
    <div class="notices" aria-live="assertive">
      {notices.list.map((n) => (
        <div key={n.id} class={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'} data-code={n.code}>
          <span class="notice-text">{n.text}</span>
          {n.detail && <span class="notice-detail"> ({n.detail})</span>}
          <button type="button" class="notice-close" aria-label="Dismiss message" onClick={() => notices.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
