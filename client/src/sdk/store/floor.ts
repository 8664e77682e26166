/**
 * The supervisor's floor: ongoing conversations and agents, loaded once per
 * session and kept live by floor.* events. Pure functions over immutable
 * maps, so that UIs can compare by identity and tests need no server.
 */
import type { AgentInfo, FloorConversation } from '../protocol';

/** The floor as one supervisor sees it. */
export interface FloorState {
  readonly conversations: ReadonlyMap<string, FloorConversation>;
  readonly agents: ReadonlyMap<string, AgentInfo>;
}

/** An empty floor. */
export const emptyFloor: FloorState = { conversations: new Map(), agents: new Map() };

/** Replaces the floor with a snapshot (after sign-in or a lost session). */
export function loadFloor(conversations: FloorConversation[], agents: AgentInfo[]): FloorState {
  return {
    conversations: new Map(conversations.map((c) => [c.conversation_id, c])),
    agents: new Map(agents.map((a) => [a.user_id, a])),
  };
}

/** Inserts or replaces a conversation row (floor.conversation). */
export function upsertConversation(s: FloorState, row: FloorConversation): FloorState {
  const conversations = new Map(s.conversations);
  if (row.state === 'ended') conversations.delete(row.conversation_id);
  else conversations.set(row.conversation_id, row);
  return { ...s, conversations };
}

/** Removes a conversation row (floor.conversation_removed). */
export function removeConversation(s: FloorState, id: string): FloorState {
  if (!s.conversations.has(id)) return s;
  const conversations = new Map(s.conversations);
  conversations.delete(id);
  return { ...s, conversations };
}

/** Inserts or replaces an agent row (floor.agent). */
export function upsertAgent(s: FloorState, agent: AgentInfo): FloorState {
  const agents = new Map(s.agents);
  agents.set(agent.user_id, agent);
  return { ...s, agents };
}

/** Conversations oldest first, as the dashboard lists them. */
export function sortedConversations(s: FloorState): FloorConversation[] {
  return [...s.conversations.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.conversation_id.localeCompare(b.conversation_id));
}

/**
 * How much a conversation needs a supervisor's attention, highest first:
 * an open help request, then each raised health alert, then the current
 * silence and over-talk as tie-breakers. Rows without health score 0.
 */
export function attentionScore(c: FloorConversation): number {
  let score = 0;
  if (c.help?.status === 'open') score += 1000;
  const h = c.health;
  if (h) score += 100 * h.alerts.length + Math.min(h.silence_s, 99) / 10 + Math.min(h.over_talk_count, 9) / 100;
  return score;
}

/** Conversations that need attention first (attentionScore), then oldest first. */
export function sortedByAttention(s: FloorState): FloorConversation[] {
  return sortedConversations(s).sort((a, b) => attentionScore(b) - attentionScore(a));
}

/**
 * The talk ratio customer : agent as whole percents ("40:60"), or "–"
 * before anyone talked.
 */
export function talkRatio(h: { customer_talk_s: number; agent_talk_s: number }): string {
  const total = h.customer_talk_s + h.agent_talk_s;
  if (total === 0) return '–';
  const c = Math.round((100 * h.customer_talk_s) / total);
  return `${c}:${100 - c}`;
}

/** Agents by name. */
export function sortedAgents(s: FloorState): AgentInfo[] {
  return [...s.agents.values()].sort((a, b) => a.name.localeCompare(b.name) || a.user_id.localeCompare(b.user_id));
}

/** Formats a duration as m:ss or h:mm:ss. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
