/**
 * Help requests as the client holds them: the active ones (open or in
 * progress), replaced on every help.requested / help.updated, dropped once
 * closed or cancelled.
 */
import type { HelpRequestView } from '../protocol';

/** Whether a request is still active. */
export const helpActive = (h: HelpRequestView): boolean => h.status === 'open' || h.status === 'in_progress';

/** Applies a request's new state to the active map (a new map). */
export function applyHelp(cur: ReadonlyMap<string, HelpRequestView>, h: HelpRequestView): Map<string, HelpRequestView> {
  const next = new Map(cur);
  if (helpActive(h)) next.set(h.id, h);
  else next.delete(h.id);
  return next;
}

/** Active requests, oldest first. */
export function sortedHelp(m: ReadonlyMap<string, HelpRequestView>): HelpRequestView[] {
  return [...m.values()].sort((a, b) => a.raised_at.localeCompare(b.raised_at) || a.id.localeCompare(b.id));
}

/** Why a request ended, in words. */
export function helpEndText(h: HelpRequestView): string {
  const what = h.status === 'closed' ? 'closed' : 'cancelled';
  switch (h.end_reason) {
    case 'agent':
      return `The help request was ${what} by ${h.agent.name}.`;
    case 'transferred':
      return `The help request was ${what}: the conversation was transferred.`;
    case 'conversation_ended':
      return `The help request was ${what}: the conversation ended.`;
    case 'taken_over':
      return `The help request was ${what}: a supervisor took the conversation over.`;
    case 'agent_left':
    case 'agent_dropped':
      return `The help request was ${what}: the agent left.`;
    default:
      return `The help request was ${what}.`;
  }
}
