/**
 * The supervisor console: the live ongoing-conversations dashboard and the
 * agents list at the top, the chat view (Customer and Whisper tabs) and the
 * monitoring panel at the bottom, the panel at the bottom right.
 */
import { useEffect, useState } from 'preact/hooks';
import { EarshotEvent, type ConversationState } from '../../sdk';
import type { AppProps } from '../../ui/AppShell';
import { ConnectionStatus, ReconnectBanner } from '../../ui/ConnectionStatus';
import { endReasonText } from '../../ui/endReasons';
import { NoticeList, useNotices } from '../../ui/notices';
import { peekToken } from '../../ui/token';
import { Header } from '../../ui/widgets';
import { ConversationPanel } from '../agent/ConversationPanel';
import { AgentsList } from './AgentsList';
import { ChatView } from './ChatView';
import { Dashboard } from './Dashboard';
import { healthRuleText } from './Health';
import { MonitorPanel } from './MonitorPanel';

export function SupervisorApp({ client, signOut }: AppProps) {
  const notices = useNotices();
  const [reason, setReason] = useState('');
  useEffect(() => {
    const offEnded = client.on(EarshotEvent.ConversationEnded, (c, ended) => {
      if (c.part === 'supervisor' && ended.reason !== 'left') notices.info(`Monitoring ended: ${endReasonText(ended.reason)}`);
    });
    const offHelp = client.on(EarshotEvent.HelpRequested, (h) => notices.info(`${h.agent.name} asks for help: ${h.reason}`));
    const offWatch = client.on(EarshotEvent.WatchStarted, (c) => notices.info(`Watch started: now listening to ${(c.view as { agent?: { name: string } }).agent?.name ?? 'the agent'}'s call`));
    const offRefused = client.on(EarshotEvent.WatchRefused, (r) => notices.info(`A watch could not start monitoring: ${r.message}`));
    const offHealth = client.on(EarshotEvent.HealthAlert, (a) => {
      if (a.active) notices.info(`${healthRuleText(a.rule)}: ${a.customer?.name ?? 'customer'} with ${a.agent?.name ?? 'agent'}`);
    });
    return () => {
      offEnded();
      offHelp();
      offWatch();
      offRefused();
      offHealth();
    };
  }, [client]);
  const me = client.identity;
  const active = client.conversations.filter((c) => !c.ended);
  const monitored: ConversationState | undefined = active.find((c) => c.part === 'supervisor');
  const takenOver = active.filter((c) => c.part === 'agent');

  const monitor = async (id: string): Promise<void> => {
    client.prepareAudio(); // inside the click: lets the browser play the call
    await notices.run(async () => {
      if (monitored && monitored.id !== id) await client.leave(monitored.id);
      await client.monitor(id, { reason });
      setReason('');
    });
  };

  return (
    <div class="app supervisor">
      <Header title="Supervisor console">
        <span class="who">
          {me?.name ?? '…'} <span class="muted">{me?.teams.join(', ')}</span>
        </span>
        <a class="toplink" href={`/audit/#token=${encodeURIComponent(peekToken('supervisor') ?? '')}`} target="_blank" rel="noopener">
          Audit trail
        </a>
        <ConnectionStatus client={client} />
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </Header>
      <ReconnectBanner client={client} />
      <NoticeList notices={notices} />
      <main class="console-grid">
        <Dashboard client={client} monitoredId={monitored?.id} busy={notices.busy} onMonitor={(id) => void monitor(id)} />
        <AgentsList client={client} monitoredId={monitored?.id} notices={notices} onMonitor={(id) => void monitor(id)} reason={reason} />
        {takenOver.length > 0 ? (
          <div class="taken-over">
            {takenOver.map((c) => (
              <ConversationPanel key={c.id} c={c} client={client} notices={notices} />
            ))}
          </div>
        ) : (
          <ChatView client={client} c={monitored} notices={notices} />
        )}
        <MonitorPanel client={client} c={monitored} notices={notices} reason={reason} setReason={setReason} />
      </main>
    </div>
  );
}
