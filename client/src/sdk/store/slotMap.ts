/**
 * Which party a supervisor hears on which receive slot. The protocol does
 * not say; the server assigns slots by a fixed rule (media/router.go: a
 * speaker keeps its slot while it stays audible, new speakers take the
 * lowest free slot, in hear-matrix party order). This mirrors that rule from
 * what the supervisor's view shows, so meters can be labelled per party.
 * Changes the view does not show (a muted customer, a talk-back agent) can
 * make a label lag until the next change: labels are a hint, the audio is
 * always right.
 */
import type { FloorConversation, Mode } from '../protocol';

/** A slot table: entry i names the speaker on slot i, or null when silent. */
export type SlotTable = (string | null)[];

/** Speaker keys: "customer", "agent", or "supervisor:<user_id>". */
export const CUSTOMER_KEY = 'customer';
/** The key of the conversation's agent. */
export const AGENT_KEY = 'agent';
/** The key of a supervisor. */
export const supervisorKey = (userId: string): string => `supervisor:${userId}`;

/** Mirror of the server's assignSlots: sticky slots, lowest free slot for newcomers. */
export function assignSlots(cur: SlotTable, want: string[], slots: number): SlotTable {
  const next: SlotTable = new Array<string | null>(slots).fill(null);
  const wanted = new Set(want);
  const placed = new Set<string>();
  cur.forEach((sp, i) => {
    if (i < slots && sp !== null && wanted.has(sp)) {
      next[i] = sp;
      placed.add(sp);
    }
  });
  let free = 0;
  for (const sp of want) {
    if (placed.has(sp)) continue;
    while (free < slots && next[free] !== null) free++;
    if (free >= slots) break;
    next[free] = sp;
    placed.add(sp);
  }
  return next;
}

/** The speakers a monitoring supervisor hears, in hear-matrix party order. */
export function supervisorHears(row: FloorConversation, myUserId: string): string[] {
  const out: string[] = [];
  // Held or PCI-paused: the server routes no customer audio to supervisors.
  if (row.customer && !row.held && !row.pci_pause) out.push(CUSTOMER_KEY);
  if (row.agent && row.state === 'active') out.push(AGENT_KEY);
  for (const m of row.monitors) {
    if (m.user_id === myUserId) continue;
    if (m.mode === 'whisper' || m.mode === 'barge') out.push(supervisorKey(m.user_id));
  }
  return out;
}

/** A label for a speaker key, from the conversation row. */
export function speakerLabel(row: FloorConversation, key: string): string {
  if (key === CUSTOMER_KEY) return row.customer ? `Customer · ${row.customer.name}` : 'Customer';
  if (key === AGENT_KEY) return row.agent ? `Agent · ${row.agent.name}` : 'Agent';
  const id = key.slice('supervisor:'.length);
  const m = row.monitors.find((x) => x.user_id === id);
  return m ? `Supervisor · ${m.name} (${modeLabel(m.mode)})` : 'Supervisor';
}

/** A mode's name for people. */
export function modeLabel(mode: Mode): string {
  switch (mode) {
    case 'listen':
      return 'Listen';
    case 'whisper':
      return 'Whisper';
    case 'barge':
      return 'Barge';
    default:
      return 'Unknown';
  }
}
