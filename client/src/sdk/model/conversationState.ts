/** What the client knows about one conversation the user takes part in. */
import type { ChatMessage, Channel, ConversationView, EndedEvent, PersonView } from '../protocol';
import type { VoiceCall } from './VoiceCall';

/** The user's own part in a conversation. */
export type MyPart = 'customer' | 'agent' | 'supervisor';

/** One conversation as the client holds it. Replaced (never mutated) on every change. */
export interface ConversationState {
  readonly id: string;
  /** The user's part: a supervisor who takes over becomes the agent. */
  readonly part: MyPart;
  readonly channel: Channel;
  /** The server's latest view for this user (customer, agent or supervisor view). */
  readonly view: ConversationView;
  /** Offered to this agent and not yet accepted. */
  readonly offered: boolean;
  /** Chat messages the user may read, by seq. */
  readonly messages: readonly ChatMessage[];
  /** Audible joins and leaves, newest last (for "Sam joined" notices). */
  readonly notices: readonly { at: number; joined: boolean; person: PersonView }[];
  /** The voice call, for voice conversations with a connected leg. */
  readonly call: VoiceCall | null;
  /** Set once the user's part ended. */
  readonly ended: EndedEvent | null;
  /** When the client first learned of it (ms since epoch). */
  readonly since: number;
}
