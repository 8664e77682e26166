/** The live ongoing-conversations dashboard. */
import { useState } from 'preact/hooks';
import { floor, modeLabel, type EarshotClient, type FloorConversation } from '../../sdk';
import { Elapsed, EyeIcon } from '../../ui/widgets';
import { HealthAlerts, TalkingNow, secs } from './Health';

export function Dashboard({ client, monitoredId, busy, onMonitor }: { client: EarshotClient; monitoredId: string | undefined; busy: boolean; onMonitor: (id: string) => void }) {
  const [byAttention, setByAttention] = useState(false);
  const rows = byAttention ? floor.sortedByAttention(client.floor) : floor.sortedConversations(client.floor);
  const me = client.identity?.user_id;
  return (
    <section class="panel dashboard" aria-labelledby="dash-title">
      <h2 id="dash-title">
        Ongoing conversations <span class="count">({rows.length})</span>
      </h2>
      <label class="sort-toggle">
        <input type="checkbox" checked={byAttention} data-testid="sort-attention" onChange={(e) => setByAttention((e.target as HTMLInputElement).checked)} /> Needs attention first
      </label>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Customer</th>
              <th scope="col">Agent</th>
              <th scope="col">Queue</th>
              <th scope="col">Duration</th>
              <th scope="col">Status</th>
              <th scope="col">Talking</th>
              <th scope="col" title="Talk time customer : agent">Ratio C:A</th>
              <th scope="col">Longest silence</th>
              <th scope="col">Over-talk</th>
              <th scope="col">Monitored by</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={12} class="empty">
                  No ongoing conversations in your teams.
                </td>
              </tr>
            )}
            {rows.map((r) => (
              <Row key={r.conversation_id} r={r} mine={r.conversation_id === monitoredId} me={me} busy={busy} onMonitor={onMonitor} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Row({ r, mine, me, busy, onMonitor }: { r: FloorConversation; mine: boolean; me: string | undefined; busy: boolean; onMonitor: (id: string) => void }) {
  const who = `${r.customer?.name ?? 'customer'} with ${r.agent?.name ?? 'no agent'}`;
  const iMonitor = r.monitors.some((m) => m.user_id === me);
  return (
    <tr class={mine ? 'selected' : ''} data-conversation={r.conversation_id}>
      <td>{r.channel === 'voice' ? 'Voice' : 'Chat'}</td>
      <td>{r.customer?.name ?? '–'}</td>
      <td>{r.agent?.name ?? '–'}</td>
      <td>{r.queue}</td>
      <td>
        <Elapsed since={r.answered_at ?? r.created_at} />
      </td>
      <td>
        <span class={`badge conv-${r.state}`}>{r.state}</span>
        {r.held && <span class="badge">on hold</span>}
        {r.pci_pause && (
          <span class="badge pci" data-testid="pci-badge" title={`Paused by ${r.pci_pause.by.name}: supervisors do not hear the customer`}>
            paused (PCI)
          </span>
        )}
        {r.transferred && <span class="badge">transferred</span>}
        {r.help && (
          <span class={`badge help-badge help-${r.help.status}`} data-testid="help-badge">
            {r.help.status === 'open' ? 'Help requested' : `Helped by ${r.help.provided_by?.name ?? 'a supervisor'}`}
          </span>
        )}
        <HealthAlerts h={r.health} />
      </td>
      <td>
        <TalkingNow h={r.health} />
      </td>
      <td>{r.health ? floor.talkRatio(r.health) : '–'}</td>
      <td>{r.health ? secs(r.health.longest_silence_s) : '–'}</td>
      <td>{r.health ? `${secs(r.health.over_talk_s)} (${r.health.over_talk_count}×)` : '–'}</td>
      <td class="monitors">
        {r.monitors.length === 0
          ? '–'
          : r.monitors.map((m) => (
              <span key={m.user_id} class={`monitor-chip mode-${m.mode}`}>
                <EyeIcon title={`Monitored by ${m.name} in ${modeLabel(m.mode)}`} />
                {m.name} · {modeLabel(m.mode)}
              </span>
            ))}
      </td>
      <td>
        <button type="button" class="small" disabled={iMonitor || busy || r.state !== 'active'} aria-label={`Monitor ${who}`} onClick={() => onMonitor(r.conversation_id)}>
          {iMonitor ? 'Monitoring' : 'Monitor'}
        </button>
      </td>
    </tr>
  );
}
