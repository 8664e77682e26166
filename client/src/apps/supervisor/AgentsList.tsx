/** The agents of the supervisor's teams, with a monitor button. */
import { floor, type EarshotClient } from '../../sdk';
import type { Notices } from '../../ui/notices';
import { HelpAlerts } from './HelpAlerts';
import { Elapsed } from '../../ui/widgets';

const stateText: Record<string, string> = { ready: 'Ready', not_ready: 'Not Ready', busy: 'Busy', offline: 'Offline' };

export function AgentsList({ client, monitoredId, notices, onMonitor }: { client: EarshotClient; monitoredId: string | undefined; notices: Notices; onMonitor: (id: string) => void }) {
  const agents = floor.sortedAgents(client.floor);
  const busy = notices.busy;
  return (
    <section class="panel agents" aria-labelledby="agents-title">
      <HelpAlerts client={client} notices={notices} monitoredId={monitoredId} onMonitor={onMonitor} />
      <h2 id="agents-title">
        Agents <span class="count">({agents.length})</span>
      </h2>
      <ul class="agent-list">
        {agents.length === 0 && <li class="empty">No agents of your teams are signed in.</li>}
        {agents.map((a) => {
          const conv = a.conversation_id ? client.floor.conversations.get(a.conversation_id) : undefined;
          const canMonitor = !!conv && conv.state === 'active' && conv.conversation_id !== monitoredId;
          return (
            <li key={a.user_id} data-agent={a.user_id}>
              <span class="agent-name">{a.name}</span>
              <span class={`badge state-${a.state}`}>{stateText[a.state] ?? a.state}</span>
              <span class="muted">
                <Elapsed since={a.since} />
              </span>
              <span class="agent-conv">{conv ? `${conv.channel === 'voice' ? 'Call' : 'Chat'} with ${conv.customer?.name ?? 'customer'}` : ''}</span>
              <button type="button" class="small" disabled={!canMonitor || busy} aria-label={`Monitor ${a.name}`} onClick={() => conv && onMonitor(conv.conversation_id)}>
                Monitor
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
