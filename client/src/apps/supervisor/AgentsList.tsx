/** The agents of the supervisor's teams, with a monitor button and "watch this agent" (next call or every call). */
import { floor, type EarshotClient, type WatchScope } from '../../sdk';
import type { Notices } from '../../ui/notices';
import { HelpAlerts } from './HelpAlerts';
import { Elapsed } from '../../ui/widgets';

const stateText: Record<string, string> = { ready: 'Ready', not_ready: 'Not Ready', busy: 'Busy', offline: 'Offline' };

export function AgentsList({
  client,
  monitoredId,
  notices,
  onMonitor,
  reason,
}: {
  client: EarshotClient;
  monitoredId: string | undefined;
  notices: Notices;
  onMonitor: (id: string) => void;
  reason: string;
}) {
  const agents = floor.sortedAgents(client.floor);
  const busy = notices.busy;
  const watches = client.watches;
  const watch = (agent: string, scope: WatchScope): void => void notices.run(() => client.watch(agent, scope, reason));
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
              {!watches.some((w) => w.agent.user_id === a.user_id) && (
                <>
                  <button type="button" class="small" disabled={busy} aria-label={`Watch ${a.name}'s next call`} onClick={() => watch(a.user_id, 'next')}>
                    Watch next
                  </button>
                  <button type="button" class="small" disabled={busy} aria-label={`Watch every call of ${a.name}`} onClick={() => watch(a.user_id, 'all')}>
                    Watch all
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      {watches.length > 0 && (
        <>
          <h3 id="watches-title">Pending watches</h3>
          <ul class="watch-list" aria-labelledby="watches-title" data-testid="watch-list">
            {watches.map((w) => (
              <li key={w.watch_id} data-watch={w.watch_id}>
                <span>
                  {w.agent.name} · {w.scope === 'next' ? 'next call' : 'every call'}
                  {w.reason ? ` · ${w.reason}` : ''}
                </span>
                <button type="button" class="small" disabled={busy} aria-label={`Cancel watching ${w.agent.name}`} onClick={() => void notices.run(() => client.unwatch(w.watch_id))}>
                  Cancel
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
