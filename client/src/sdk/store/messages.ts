/** Chat transcripts: messages merged by id and ordered by their per-conversation seq. */
import type { ChatMessage, MessageKind } from '../protocol';

/** Adds messages to a transcript; duplicates (same id) are dropped. Returns a new array. */
export function mergeMessages(cur: readonly ChatMessage[], add: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map(cur.map((m) => [m.id, m]));
  for (const m of add) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The messages of one thread. */
export function thread(msgs: readonly ChatMessage[], kind: MessageKind): ChatMessage[] {
  return msgs.filter((m) => m.kind === kind);
}
