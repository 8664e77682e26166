/**
 * The chat view of the monitored conversation: a Customer tab (the public
 * thread, writable only in Barge) and a Whisper tab (agent and supervisors).
 */
import { useState } from 'preact/hooks';
import { thread, type ConversationState, type EarshotClient, type SupervisorView } from '../../sdk';
import { ChatThread } from '../../ui/ChatThread';
import type { Notices } from '../../ui/notices';

type Tab = 'public' | 'whisper';

export function ChatView({ client, c, notices }: { client: EarshotClient; c: ConversationState | undefined; notices: Notices }) {
  const [tab, setTab] = useState<Tab>('whisper');
  const v = c?.view as SupervisorView | undefined;
  const tabs: { id: Tab; label: string }[] = [
    { id: 'public', label: 'Customer' },
    { id: 'whisper', label: 'Whisper' },
  ];
  const onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const next: Tab = tab === 'public' ? 'whisper' : 'public';
    setTab(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <section class="panel chatview" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      {!c || !v ? (
        <p class="empty">Monitor a conversation to read its chat and whisper to the agent.</p>
      ) : (
        <>
          <div role="tablist" aria-label="Chat threads" class="tabs" onKeyDown={onKey}>
            {tabs.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                onClick={() => setTab(t.id)}
              >
                {t.label} <span class="count">({thread(c.messages, t.id).length})</span>
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {tab === 'public' ? (
              <ChatThread
                id="sup-public"
                label="Customer"
                messages={thread(c.messages, 'public')}
                myName={client.identity?.name ?? ''}
                emptyText="No messages with the customer."
                disabledReason={v.mode === 'barge' ? null : 'Barge in to write to the customer.'}
                onSend={(t) => notices.run(() => client.sendMessage(c.id, 'public', t))}
              />
            ) : (
              <ChatThread
                id="sup-whisper"
                label="Whisper"
                messages={thread(c.messages, 'whisper')}
                myName={client.identity?.name ?? ''}
                emptyText="No whispers yet. Only the agent and supervisors read this thread."
                placeholder="Whisper to the agent"
                onSend={(t) => notices.run(() => client.sendMessage(c.id, 'whisper', t))}
              />
            )}
          </div>
        </>
      )}
    </section>
  );
}
