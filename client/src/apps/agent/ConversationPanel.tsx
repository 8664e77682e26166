/** The agent's live conversation: status, controls, talk-back key, chat and whisper pane. */
import { LegState, thread, type AgentView, type ConversationState, type EarshotClient } from '../../sdk';
import { ChatThread } from '../../ui/ChatThread';
import type { Notices } from '../../ui/notices';
import { Elapsed, LevelMeter } from '../../ui/widgets';
import { HelpSection } from './HelpSection';
import { TalkBackKey } from './TalkBackKey';
import { TransferPicker } from './TransferPicker';

export function ConversationPanel({ c, client, notices }: { c: ConversationState; client: EarshotClient; notices: Notices }) {
  const v = c.view as AgentView;
  const voice = v.channel === 'voice';
  const barged = v.participants.filter((p) => p.role === 'supervisor');
  const coached = v.monitoring === 'coached';
  return (
    <div class="agent-grid">
      <section class="panel call" aria-labelledby={`conv-${c.id}`}>
        <h2 id={`conv-${c.id}`}>
          {voice ? 'Call' : 'Chat'} with {v.customer?.name ?? 'customer'}
        </h2>
        <p class="status-line" role="status" data-testid="agent-conv-status">
          {v.outbound && v.state === 'offered' ? 'Ringing the customer…' : v.held ? 'Customer on hold' : voice ? mediaText(c.call?.state) : 'Chat active'} · {v.queue}
          {v.transferred ? ' · transferred' : ''} · <Elapsed since={v.answered_at ?? c.since} label="Duration" />
        </p>
        <div class="indicators">
          {v.monitoring && (
            <span class={`badge monitoring-${v.monitoring}`} data-testid="monitoring-indicator">
              {v.monitoring === 'coached' ? 'Coached' : 'Monitored'}
              {v.supervisors?.length ? ` by ${v.supervisors.join(', ')}` : ''}
            </span>
          )}
          {barged.map((p) => (
            <span key={p.name} class="badge barge">
              {p.name} (supervisor) is in the call
            </span>
          ))}
          {v.muted && <span class="badge">You are muted</span>}
          {v.talk_back && <span class="badge talkback">Talking to your coach only</span>}
          {v.pci_pause && (
            <span class="badge pci" data-testid="pci-indicator">
              Paused (PCI): supervisors do not hear the customer
            </span>
          )}
        </div>
        {voice && c.call && (
          <div class="meters">
            <LevelMeter id={`mic-${c.id}`} label="Your microphone" read={() => c.call?.audio.localLevel() ?? 0} />
            <LevelMeter id={`heard-${c.id}`} label="You hear" read={() => c.call?.audio.mixLevel() ?? 0} />
          </div>
        )}
        <div class="button-row">
          {voice && (
            <button type="button" aria-pressed={v.muted} disabled={notices.busy} onClick={() => void notices.run(() => client.mute(c.id, !v.muted))}>
              {v.muted ? 'Unmute' : 'Mute'}
            </button>
          )}
          {voice && (
            <button type="button" aria-pressed={v.held} disabled={notices.busy} onClick={() => void notices.run(() => client.hold(c.id, !v.held))}>
              {v.held ? 'Resume' : 'Hold'}
            </button>
          )}
          {voice && v.state === 'active' && (
            <button
              type="button"
              aria-pressed={!!v.pci_pause}
              data-testid="pci-button"
              title="While the customer gives card details: no supervisor hears the customer"
              disabled={notices.busy}
              onClick={() => void notices.run(() => client.pciPause(c.id, !v.pci_pause))}
            >
              {v.pci_pause ? 'Resume monitoring (PCI)' : 'Pause for payment (PCI)'}
            </button>
          )}
          <button type="button" class="danger" disabled={notices.busy} onClick={() => void notices.run(() => client.end(c.id))}>
            End
          </button>
        </div>
        <TransferPicker id={c.id} client={client} notices={notices} />
        {voice && coached && <TalkBackKey c={c} client={client} notices={notices} />}
        {c.part === 'agent' && client.hasRole('agent') && <HelpSection c={c} client={client} notices={notices} />}
      </section>
      {!voice && (
        <section class="panel" aria-labelledby={`cust-chat-${c.id}`}>
          <h2 id={`cust-chat-${c.id}`}>Customer chat</h2>
          <ChatThread
            id="agent-public"
            label="Customer"
            messages={thread(c.messages, 'public')}
            myName={client.identity?.name ?? ''}
            emptyText="No messages yet."
            onSend={(t) => notices.run(() => client.sendMessage(c.id, 'public', t))}
          />
        </section>
      )}
      <section class="panel whisper-pane" aria-labelledby={`whisper-${c.id}`}>
        <h2 id={`whisper-${c.id}`}>Whisper (supervisors only)</h2>
        <p class="hint">The customer never sees these messages.</p>
        <ChatThread
          id="agent-whisper"
          label="Whisper"
          messages={thread(c.messages, 'whisper')}
          myName={client.identity?.name ?? ''}
          emptyText="No whispers."
          placeholder="Message your supervisors"
          onSend={(t) => notices.run(() => client.sendMessage(c.id, 'whisper', t))}
        />
      </section>
    </div>
  );
}

function mediaText(s: LegState | undefined): string {
  switch (s) {
    case LegState.Connected:
      return 'Connected';
    case LegState.Interrupted:
      return 'Audio interrupted — reconnecting';
    case LegState.Failed:
      return 'Audio failed';
    default:
      return 'Connecting audio…';
  }
}
