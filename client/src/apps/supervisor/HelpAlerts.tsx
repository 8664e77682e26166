/** Help-request notifications: accept, see who helps, mute alerts. */
import { EarshotError, sortedHelp, type EarshotClient, type HelpRequestView } from '../../sdk';
import type { Notices } from '../../ui/notices';
import { Elapsed } from '../../ui/widgets';

export function HelpAlerts({ client, notices, monitoredId, onMonitor }: { client: EarshotClient; notices: Notices; monitoredId: string | undefined; onMonitor: (id: string) => void }) {
  const list = sortedHelp(client.help.active);
  const muted = client.help.muted;
  const me = client.identity?.user_id;
  const accept = (h: HelpRequestView): void =>
    void notices.run(async () => {
      const res = await client.help.accept(h.id);
      if (res.controls.length === 0 && res.monitor_refusal && !res.monitoring) {
        notices.error(new EarshotError(res.monitor_refusal, 'monitoring is not possible right now'));
      }
    });
  return (
    <section class="help-alerts" aria-labelledby="help-title">
      <div class="help-head">
        <h2 id="help-title">
          Help requests <span class="count">({list.length})</span>
        </h2>
        <button type="button" class="small" aria-pressed={muted} disabled={notices.busy} onClick={() => void notices.run(() => client.help.mute(!muted))}>
          {muted ? 'Alerts muted' : 'Mute alerts'}
        </button>
      </div>
      {list.length === 0 ? (
        <p class="empty">No open help requests.</p>
      ) : (
        <ul class="help-list">
          {list.map((h) => {
            const mine = h.provided_by?.user_id === me;
            return (
              <li key={h.id} class={`help-item help-${h.status}`} data-help={h.id}>
                <p>
                  <strong>{h.agent.name}</strong> needs help: {h.reason}
                  {h.comment && <span class="muted"> — {h.comment}</span>}
                </p>
                <p class="muted">
                  {h.channel === 'voice' ? 'Call' : 'Chat'} · {h.queue} · raised <Elapsed since={h.raised_at} /> ago
                </p>
                {h.status === 'open' && (
                  <button type="button" class="primary small" disabled={notices.busy} aria-label={`Accept help request from ${h.agent.name}`} onClick={() => accept(h)}>
                    Accept
                  </button>
                )}
                {h.status === 'in_progress' && (
                  <p class="help-provider">
                    {mine ? 'You are helping.' : `${h.provided_by?.name ?? 'A supervisor'} is helping.`}{' '}
                    {mine && h.conversation_id !== monitoredId && (
                      <button type="button" class="small" disabled={notices.busy} aria-label={`Monitor ${h.agent.name}'s conversation`} onClick={() => onMonitor(h.conversation_id)}>
                        Monitor
                      </button>
                    )}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
