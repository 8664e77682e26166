/**
 * One chat thread: messages and a composer. Names and texts are rendered as
 * text nodes only (never as HTML), so a message can never inject markup.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../sdk';

/** Props of a thread. */
export interface ChatThreadProps {
  /** Unique DOM id prefix. */
  id: string;
  /** Accessible name of the thread. */
  label: string;
  messages: readonly ChatMessage[];
  /** The signed-in user's display name, to mark own messages. */
  myName: string;
  emptyText: string;
  /** When set, the composer is disabled and this says why. */
  disabledReason?: string | null;
  placeholder?: string;
  onSend: (text: string) => Promise<boolean>;
}

const time = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
};

const roleLabel: Record<string, string> = { customer: 'Customer', agent: 'Agent', supervisor: 'Supervisor' };

/** A chat thread with its composer. */
export function ChatThread(p: ChatThreadProps) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [p.messages.length]);
  const disabled = !!p.disabledReason;
  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = text.trim();
    if (!t || disabled || sending) return;
    setSending(true);
    const ok = await p.onSend(t);
    setSending(false);
    if (ok) setText('');
  };
  return (
    <section class="chat" aria-label={p.label} data-thread={p.id}>
      <ol class="chat-log" ref={listRef} role="log" aria-live="polite" aria-label={`${p.label} messages`}>
        {p.messages.length === 0 && <li class="chat-empty">{p.emptyText}</li>}
        {p.messages.map((m) => (
          <li key={m.id} class={`chat-msg ${m.from.name === p.myName ? 'mine' : ''} kind-${m.kind}`} data-kind={m.kind}>
            <span class="chat-meta">
              <span class="chat-from">{m.from.name}</span>
              <span class="chat-role"> · {roleLabel[m.from.role] ?? m.from.role}</span>
              <span class="chat-time"> · {time(m.at)}</span>
            </span>
            <span class="chat-text">{m.text}</span>
          </li>
        ))}
      </ol>
      <form class="chat-compose" onSubmit={(e) => void send(e)}>
        <label for={`${p.id}-input`} class="visually-hidden">
          Message for the {p.label} thread
        </label>
        <input
          id={`${p.id}-input`}
          type="text"
          autocomplete="off"
          maxLength={4000}
          value={text}
          disabled={disabled}
          placeholder={p.disabledReason ?? p.placeholder ?? 'Type a message'}
          aria-describedby={disabled ? `${p.id}-why` : undefined}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={disabled || sending || !text.trim()}>
          Send
        </button>
      </form>
      {disabled && (
        <p id={`${p.id}-why`} class="hint">
          {p.disabledReason}
        </p>
      )}
    </section>
  );
}
