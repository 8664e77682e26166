/**
 * Which party a supervisor hears on which receive slot. The server announces
 * it (monitor.slots, read back from the media plane's own slot tables), so
 * meters are labelled exactly; nothing here guesses the server's rule.
 */
import type { FloorConversation, Mode, SlotParty } from '../protocol';

/** A slot table: entry i names the speaker on slot i, or null when silent. */
export type SlotTable = (string | null)[];

/** Speaker keys: "customer", "agent", or "supervisor:<user_id>". */
export const CUSTOMER_KEY = 'customer';
/** The key of the conversation's agent. */
export const AGENT_KEY = 'agent';
/** The key of a supervisor. */
export const supervisorKey = (userId: string): string => `supervisor:${userId}`;

/** The speaker key of an announced slot party. */
export function slotKey(p: SlotParty): string {
  switch (p.role) {
    case 'customer':
      return CUSTOMER_KEY;
    case 'agent':
      return AGENT_KEY;
    default:
      return supervisorKey(p.user_id);
  }
}

/** The server's slot map as speaker keys, padded (or cut) to `slots` entries. */
export function slotTableOf(parties: readonly (SlotParty | null)[] | undefined, slots: number): SlotTable {
  const out: SlotTable = new Array<string | null>(slots).fill(null);
  (parties ?? []).slice(0, slots).forEach((p, i) => {
    out[i] = p ? slotKey(p) : null;
  });
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

/** A label for an announced slot party: the row's current name and mode when it has them, else the announcement's. */
export function slotLabel(row: FloorConversation, p: SlotParty): string {
  const key = slotKey(p);
  if (key === CUSTOMER_KEY) return `Customer · ${row.customer?.name ?? p.name}`;
  if (key === AGENT_KEY) return `Agent · ${row.agent?.name ?? p.name}`;
  const m = row.monitors.find((x) => x.user_id === p.user_id);
  return m ? `Supervisor · ${m.name} (${modeLabel(m.mode)})` : `Supervisor · ${p.name}`;
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
