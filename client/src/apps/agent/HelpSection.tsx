/** The agent's help request on a conversation: raise (reason, comment), cancel, close. */
import { useState } from 'preact/hooks';
import type { ConversationState, EarshotClient } from '../../sdk';
import type { Notices } from '../../ui/notices';
import { Elapsed } from '../../ui/widgets';

export function HelpSection({ c, client, notices }: { c: ConversationState; client: EarshotClient; notices: Notices }) {
  const h = client.help.forConversation(c.id);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');

  if (h) {
    return (
      <div class={`help-box help-${h.status}`} data-testid="help-status">
        <p role="status">
          {h.status === 'open' ? (
            <>
              Help requested (“{h.reason}”) — waiting for a supervisor · <Elapsed since={h.raised_at} />
            </>
          ) : (
            <>
              {h.provided_by?.name ?? 'A supervisor'} is helping you (“{h.reason}”)
            </>
          )}
        </p>
        {h.status === 'open' ? (
          <button type="button" disabled={notices.busy} onClick={() => void notices.run(() => client.help.cancel(h.id))}>
            Cancel help request
          </button>
        ) : (
          <button type="button" disabled={notices.busy} onClick={() => void notices.run(() => client.help.close(h.id))}>
            Close help request
          </button>
        )}
      </div>
    );
  }
  if (!open) {
    return (
      <div class="help-box">
        <button type="button" onClick={() => setOpen(true)}>
          Ask a supervisor for help
        </button>
      </div>
    );
  }
  return (
    <form
      class="help-box"
      aria-label="Help request"
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return;
        void notices
          .run(() => client.help.raise(c.id, reason, comment))
          .then((ok) => {
            if (!ok) return;
            setOpen(false);
            setReason('');
            setComment('');
          });
      }}
    >
      <label for={`help-reason-${c.id}`}>Reason (required)</label>
      <input id={`help-reason-${c.id}`} type="text" maxLength={200} required value={reason} placeholder="e.g. customer wants a refund" onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      <label for={`help-comment-${c.id}`}>Comment (optional)</label>
      <textarea id={`help-comment-${c.id}`} rows={2} maxLength={1000} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
      <div class="button-row">
        <button type="submit" class="primary" disabled={!reason.trim() || notices.busy}>
          Send help request
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
