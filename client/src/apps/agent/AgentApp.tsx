/**
 * The agent desktop: availability, incoming offers, the live conversation
 * with its controls, the customer chat and the whisper pane.
 */
import { useEffect } from 'preact/hooks';
import { EarshotEvent, helpActive, helpEndText, type AgentView, type ConversationState } from '../../sdk';
import type { AppProps } from '../../ui/AppShell';
import { ConnectionStatus, ReconnectBanner } from '../../ui/ConnectionStatus';
import { endReasonText } from '../../ui/endReasons';
import { NoticeList, useNotices, type Notices } from '../../ui/notices';
import { Elapsed, Header } from '../../ui/widgets';
import { ConversationPanel } from './ConversationPanel';
import { DialForm } from './DialForm';

export function AgentApp({ client, signOut }: AppProps) {
  const notices = useNotices();
  useEffect(() => {
    const offEnded = client.on(EarshotEvent.ConversationEnded, (c, ended) => {
      if (c.part === 'agent' && ended.reason === 'offer_withdrawn') notices.info('The offered conversation was withdrawn.');
    });
    const offHelp = client.on(EarshotEvent.HelpUpdated, (h) => {
      if (h.status === 'in_progress' && h.provided_by) notices.info(`${h.provided_by.name} accepted your help request.`);
      else if (!helpActive(h) && h.end_reason !== 'agent') notices.info(helpEndText(h));
    });
    // A key the customer pressed (DTMF), e.g. a menu choice or a number the
    // agent asked for. Never shown to supervisors; not kept.
    const offDtmf = client.on(EarshotEvent.Dtmf, (d) => notices.info(`The customer pressed ${d.digit}`));
    return () => {
      offEnded();
      offHelp();
      offDtmf();
    };
  }, [client]);
  const me = client.identity;
  const state = client.agent?.state ?? 'offline';
  const mine = client.conversations.filter((c) => c.part === 'agent');
  const offers = mine.filter((c) => c.offered && !c.ended);
  const live = mine.filter((c) => !c.offered && !c.ended);
  const ended = mine.filter((c) => c.ended);
  const connected = client.connectionState === 'connected';

  return (
    <div class="app">
      <Header title="Agent desktop">
        <span class="who">
          {me?.name ?? '…'} <span class="muted">{me?.teams.join(', ')}</span>
        </span>
        <div class="segmented" role="group" aria-label="Availability">
          <button type="button" aria-pressed={state === 'ready'} disabled={!connected || notices.busy} onClick={() => void notices.run(() => client.setReady(true))}>
            Ready
          </button>
          <button type="button" aria-pressed={state === 'not_ready'} disabled={!connected || notices.busy} onClick={() => void notices.run(() => client.setReady(false))}>
            Not Ready
          </button>
        </div>
        <span class={`badge state-${state}`} data-testid="agent-state">
          {stateLabel(state)}
        </span>
        <ConnectionStatus client={client} />
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </Header>
      <ReconnectBanner client={client} />
      <NoticeList notices={notices} />
      <main class="agent-main">
        {offers.map((c) => (
          <Offer key={c.id} c={c} client={client} notices={notices} />
        ))}
        {live.map((c) => (
          <ConversationPanel key={c.id} c={c} client={client} notices={notices} />
        ))}
        {ended.map((c) => (
          <section key={c.id} class="panel ended" aria-label="Ended conversation">
            <p role="status">
              Conversation with {(c.view as AgentView).customer?.name ?? 'the customer'} ended. {endReasonText(c.ended!.reason)}
            </p>
            <button type="button" onClick={() => client.dismiss(c.id)}>
              Close
            </button>
          </section>
        ))}
        {offers.length === 0 && live.length === 0 && ended.length === 0 && (
          <section class="panel idle" aria-label="Waiting">
            <p>{state === 'ready' ? 'You are Ready. Conversations will be offered here.' : 'Choose Ready to receive conversations.'}</p>
          </section>
        )}
        {offers.length === 0 && live.length === 0 && <DialForm client={client} notices={notices} disabled={!connected} />}
      </main>
    </div>
  );
}

function Offer({ c, client, notices }: { c: ConversationState; client: AppProps['client']; notices: Notices }) {
  const v = c.view as AgentView;
  const accept = (): void => {
    client.prepareAudio();
    void notices.run(() => client.accept(c.id));
  };
  return (
    <section class="panel offer" role="alertdialog" aria-labelledby={`offer-${c.id}`}>
      <h2 id={`offer-${c.id}`}>
        Incoming {v.channel === 'voice' ? 'call' : 'chat'} from {v.customer?.name ?? 'a customer'}
      </h2>
      <p>
        Queue {v.queue}
        {v.transferred ? ' · transferred' : ''} · waiting <Elapsed since={v.created_at} />
      </p>
      <div class="button-row">
        <button type="button" class="primary" disabled={notices.busy} onClick={accept}>
          Accept
        </button>
        <button type="button" disabled={notices.busy} onClick={() => void notices.run(() => client.decline(c.id))}>
          Decline
        </button>
      </div>
    </section>
  );
}

function stateLabel(s: string): string {
  switch (s) {
    case 'ready':
      return 'Ready';
    case 'not_ready':
      return 'Not Ready';
    case 'busy':
      return 'Busy';
    case 'offline':
      return 'Offline';
    default:
      return s;
  }
}
