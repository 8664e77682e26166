/** The monitoring panel (bottom right): mode, mute, leave, take over, meters, time, reason. */
import { modeLabel, slotLabel, type ConversationState, type EarshotClient, type Mode, type SupervisorView } from '../../sdk';
import type { Notices } from '../../ui/notices';
import { Elapsed, LevelMeter } from '../../ui/widgets';
import { HealthPanel } from './Health';
import { DialPad } from './DialPad';

const modes: { mode: Exclude<Mode, 'unknown'>; hint: string }[] = [
  { mode: 'listen', hint: 'You hear both; nobody hears you.' },
  { mode: 'whisper', hint: 'The agent hears you; the customer never does.' },
  { mode: 'barge', hint: 'Everyone hears you; the customer is told you joined.' },
];

export function MonitorPanel({
  client,
  c,
  notices,
  reason,
  setReason,
}: {
  client: EarshotClient;
  c: ConversationState | undefined;
  notices: Notices;
  reason: string;
  setReason: (r: string) => void;
}) {
  if (!c) {
    return (
      <section class="panel monitor" aria-labelledby="mon-title">
        <h2 id="mon-title">Monitoring</h2>
        <p>Not monitoring. Choose Monitor on a conversation or an agent; you start in Listen.</p>
        <label for="mon-reason">Reason for monitoring (optional, kept in the audit trail)</label>
        <input id="mon-reason" type="text" maxLength={500} value={reason} placeholder="e.g. quality check" onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </section>
    );
  }
  const v = c.view as SupervisorView;
  const me = v.monitors.find((m) => m.user_id === client.identity?.user_id);
  const call = c.call;
  // Which party each slot carries, as the server announced it (monitor.slots).
  const slots = client.slotParties(c.id);
  const set = (m: Exclude<Mode, 'unknown'>): void => void notices.run(() => client.setMode(c.id, m));
  return (
    <section class="panel monitor active" aria-labelledby="mon-title" data-mode={v.mode}>
      <h2 id="mon-title">
        Monitoring {v.customer?.name ?? 'customer'} ↔ {v.agent?.name ?? 'agent'}
      </h2>
      <p class="muted">
        {v.channel === 'voice' ? 'Voice' : 'Chat'} · {v.queue} · monitoring for <Elapsed since={c.since} label="Monitoring for" /> · in {modeLabel(v.mode)} for{' '}
        <Elapsed since={me?.since} />
      </p>
      {me?.reason && <p class="muted">Reason: {me.reason}</p>}
      {v.pci_pause && (
        <p class="status-line pci" role="status" data-testid="pci-status">
          Paused (PCI) by {v.pci_pause.by.name}: you do not hear the customer while a payment is taken
          {v.pci_pause.resumes_at ? ` (resumes by itself at ${new Date(v.pci_pause.resumes_at).toLocaleTimeString()})` : ''}.
        </p>
      )}
      <div class="segmented modes" role="group" aria-label="Monitoring mode">
        {modes.map((m) => (
          <button key={m.mode} type="button" aria-pressed={v.mode === m.mode} title={m.hint} disabled={notices.busy} onClick={() => set(m.mode)}>
            {modeLabel(m.mode)}
          </button>
        ))}
      </div>
      <p class="status-line" role="status" data-testid="mode-status">
        {modes.find((m) => m.mode === v.mode)?.hint ?? ''}
        {call && !call.hasMicrophone ? ' (No microphone: you can listen only.)' : ''}
      </p>
      {call && (
        <div class="meters">
          {slots.map((p, i) =>
            p ? <LevelMeter key={`${i}-${p.party_id}`} id={`slot-${i}`} label={slotLabel(v, p)} read={() => call.audio.slotLevel(i)} /> : null,
          )}
          <LevelMeter id="sup-mic" label={v.mode === 'listen' ? 'Your microphone (off in Listen)' : 'Your microphone'} read={() => (call.microphoneEnabled ? call.audio.localLevel() : 0)} />
        </div>
      )}
      <HealthPanel h={v.health} timeline={v.timeline} />
      {call && <DialPad client={client} c={c} notices={notices} />}
      <div class="button-row">
        <button type="button" aria-pressed={v.mode === 'listen'} disabled={notices.busy} onClick={() => void notices.run(() => client.mute(c.id, v.mode !== 'listen'))}>
          {v.mode === 'listen' ? 'Unmute (barge in)' : 'Mute (back to Listen)'}
        </button>
        {v.mode === 'barge' && v.channel === 'voice' && (
          <button type="button" aria-pressed={!!v.pci_pause} data-testid="sup-pci-button" disabled={notices.busy} onClick={() => void notices.run(() => client.pciPause(c.id, !v.pci_pause))}>
            {v.pci_pause ? 'Resume (PCI)' : 'Pause for payment (PCI)'}
          </button>
        )}
        <button type="button" disabled={notices.busy} onClick={() => void notices.run(() => client.takeOver(c.id))}>
          Take over
        </button>
        <button type="button" class="danger" disabled={notices.busy} onClick={() => void notices.run(() => client.leave(c.id))}>
          Leave
        </button>
      </div>
    </section>
  );
}
