/**
 * Wire types of the Earshot signaling protocol v1 (docs/protocol.md).
 * They mirror the server's JSON exactly; the SDK's model layer builds on them.
 */

/** The protocol version carried in every frame as "v". */
export const PROTOCOL_VERSION = 1;

/** A request frame sent by the client. */
export interface RequestFrame {
  v: 1;
  id: string;
  type: string;
  data?: unknown;
}

/** The error object of a failed response. */
export interface WireError {
  code: string;
  message: string;
}

/** The server's answer to one request. */
export interface ResponseFrame {
  v: 1;
  id?: string;
  type: 'response';
  ok: boolean;
  data?: unknown;
  error?: WireError;
}

/** A server-pushed event. session.closed carries no seq. */
export interface EventFrame {
  v: 1;
  type: string;
  seq?: number;
  data: unknown;
}

/** Identity of the authenticated user, as the server reports it. */
export interface Identity {
  user_id: string;
  name: string;
  tenant: string;
  roles: string[];
  teams: string[];
  expires_at_ms?: number;
}

/** A STUN or TURN server for RTCConfiguration.iceServers, as the server configures it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Data of a successful auth. */
export interface AuthResult {
  session_id: string;
  resume_token: string;
  identity: Identity;
  protocol: number;
  resume_grace_ms: number;
  /** STUN/TURN servers (TURN credentials minted for this user); absent when none are configured. */
  ice_servers?: IceServer[];
  /** Audio m-lines (receive slots) a voice offer must have; absent from older servers. */
  media_slots?: number;
}

/** Data of a successful session.resume. */
export interface ResumeResult extends AuthResult {
  replayed: number;
  /**
   * A cluster node took the session over after the node that ran it was
   * lost: nothing was replayed; the server pushes the current state.
   */
  recovered?: boolean;
}

/** Data of the final, unnumbered session.closed event. */
export interface SessionClosed {
  reason: string;
  resumable: boolean;
}

/** The close reason of a session ended because the same agent signed in again elsewhere. */
export const SIGNED_IN_ELSEWHERE = 'signed_in_elsewhere';

/** A party on one receive slot (monitor.slots). */
export interface SlotParty {
  party_id: string;
  user_id: string;
  name: string;
  role: PartyRole;
}

/** monitor.slots: entry i is the party on receive slot i, null when silent. */
export interface SlotsEvent {
  conversation_id: string;
  slots: (SlotParty | null)[];
}

/** An agent a conversation can be transferred to (conversation.transfer_targets). */
export interface TransferTarget {
  user_id: string;
  name: string;
  teams: string[];
}

/** Conversation channels. */
export type Channel = 'voice' | 'chat';
/** Conversation states. */
export type ConvState = 'unknown' | 'queued' | 'offered' | 'active' | 'ended';
/** A party's role inside one conversation. */
export type PartyRole = 'unknown' | 'customer' | 'agent' | 'supervisor';
/** Supervisor monitoring modes. */
export type Mode = 'unknown' | 'listen' | 'whisper' | 'barge';
/** Agent states; agents choose ready or not_ready, the rest follows. */
export type AgentState = 'unknown' | 'ready' | 'not_ready' | 'busy' | 'offline';
/** Chat message kinds: the customer-visible thread, or the agent/supervisor thread. */
export type MessageKind = 'public' | 'whisper';

/** Someone as another party sees them. */
export interface PersonView {
  name: string;
  role: PartyRole;
}

/** A conversation as its customer sees it. It never mentions silent monitors or whispers. */
export interface CustomerView {
  conversation_id: string;
  channel: Channel;
  state: ConvState;
  held: boolean;
  muted: boolean;
  queue: string;
  participants: PersonView[];
}

/** A conversation as its agent sees it. */
export interface AgentView {
  conversation_id: string;
  channel: Channel;
  state: ConvState;
  held: boolean;
  muted: boolean;
  talk_back: boolean;
  queue: string;
  outbound: boolean;
  transferred: boolean;
  customer?: PersonView;
  participants: PersonView[];
  /** "", "monitored" or "coached"; "coached" whenever a supervisor whispers. */
  monitoring?: '' | 'monitored' | 'coached';
  supervisors?: string[];
  /** Set while a PCI pause is on: no supervisor hears the customer. */
  pci_pause?: PCIPauseView;
  created_at: string;
  answered_at?: string;
}

/** A PCI pause (conversation.pci): the agent and supervisors see it, the customer never does. */
export interface PCIPauseView {
  since: string;
  /** Who paused: the agent, or a barged-in supervisor. */
  by: PersonView;
  /** When the server resumes by itself (policy.pci_pause_max); absent without a maximum. */
  resumes_at?: string;
}

/** How many conversations a watch monitors. */
export type WatchScope = 'next' | 'all';

/** A pending watch (monitor next call / continuous monitoring) of this supervisor session. */
export interface WatchView {
  watch_id: string;
  agent: UserRef;
  scope: WatchScope;
  reason?: string;
  created_at: string;
}

/** Payload of monitor.watch_started. */
export interface WatchStarted {
  watch_id: string;
  conversation: SupervisorView;
  /** Voice: send monitor.connect with an SDP offer to hear it. */
  connect: boolean;
}

/** Payload of monitor.watch_refused. */
export interface WatchRefused {
  watch_id: string;
  conversation_id: string;
  code: string;
  message: string;
}

/** Payload of monitor.watch_ended: used, cancelled or privileges_revoked. */
export interface WatchEnded {
  watch_id: string;
  reason: string;
}

/** A user reference. */
export interface UserRef {
  user_id: string;
  name: string;
}

/** One supervisor monitoring a conversation. */
export interface MonitorView {
  user_id: string;
  name: string;
  mode: Mode;
  since: string;
  reason?: string;
}

/** One row of the supervisors' ongoing-conversations feed. */
export interface FloorConversation {
  conversation_id: string;
  channel: Channel;
  state: ConvState;
  queue: string;
  team: string;
  outbound: boolean;
  transferred: boolean;
  held: boolean;
  agent?: UserRef;
  customer?: UserRef;
  created_at: string;
  answered_at?: string;
  monitors: MonitorView[];
  /** The conversation's active help request, if any. */
  help?: HelpBadge;
  /** Set while a PCI pause is on: shown as "paused (PCI)"; no supervisor hears the customer. */
  pci_pause?: PCIPauseView;
  /** Live call health from audio levels (voice, once answered; docs/call-health.md). */
  health?: HealthView;
}

/** A party's audio as call health reads it. */
export type PartyHealthState = 'talking' | 'quiet' | 'held' | 'muted' | 'no_audio';

/** Call-health alert rules. */
export type HealthRule = 'long_silence' | 'over_talk' | 'agent_talk_ratio' | 'raised_voice';

/** One audible party's health. */
export interface PartyHealth {
  role: PartyRole;
  name: string;
  state: PartyHealthState;
  talk_s: number;
  /** Mean RFC 6464 level over the last second, -127 (silence) to 0. */
  level_dbov: number;
}

/** A voice call's live health; whole seconds, updated at most once a second. */
export interface HealthView {
  parties: PartyHealth[];
  customer_talk_s: number;
  agent_talk_s: number;
  silence_s: number;
  longest_silence_s: number;
  over_talk_s: number;
  over_talk_count: number;
  /** Rules raised now. */
  alerts: HealthRule[];
}

/** Who talked in each of the last 60 seconds ('1'), oldest first. */
export interface PartyTimeline {
  role: PartyRole;
  name: string;
  talked: string;
}

/** Payload of health.alert: a rule raised (active) or cleared. */
export interface HealthAlert {
  conversation_id: string;
  rule: HealthRule;
  active: boolean;
  at: string;
  value: number;
  queue: string;
  agent?: UserRef;
  customer?: UserRef;
}

/** The response of health.settings. */
export interface HealthSettings {
  enabled: boolean;
  muted: boolean;
  long_silence_s: number;
  over_talk_share: number;
  agent_talk_share: number;
  min_talk_s: number;
  raised_level_dbov: number;
  raised_for_s: number;
}

/** Help request statuses. */
export type HelpStatus = 'open' | 'in_progress' | 'closed' | 'cancelled';

/** A conversation's active help request on the floor. */
export interface HelpBadge {
  id: string;
  status: 'open' | 'in_progress';
  provided_by?: UserRef;
}

/** A help request as its agent and the supervisors of the agent's teams see it. Never sent to customers. */
export interface HelpRequestView {
  id: string;
  conversation_id: string;
  channel: Channel;
  queue: string;
  agent: UserRef;
  reason: string;
  comment?: string;
  status: HelpStatus;
  /** HelpProvidedBy: the supervisor who accepted. */
  provided_by?: UserRef;
  raised_at: string;
  accepted_at?: string;
  closed_at?: string;
  cancelled_at?: string;
  /** Why it was closed or cancelled: agent, transferred, conversation_ended, taken_over, agent_left, agent_dropped. */
  end_reason?: string;
}

/** The response of help.accept. */
export interface HelpAccepted {
  help_request: HelpRequestView;
  conversation: FloorConversation;
  /** Whether the caller already monitors the conversation. */
  monitoring: boolean;
  /** The modes the supervisor can use now (start with monitor.start); empty when monitoring is not possible. */
  controls: Exclude<Mode, 'unknown'>[];
  /** When controls is empty: the code monitor.start would be refused with. */
  monitor_refusal?: string;
}

/**
 * A monitored conversation as one of its supervisors sees it. There is no
 * muted field: a supervisor's mute is its mode (Listen).
 */
export interface SupervisorView extends FloorConversation {
  mode: Mode;
  /** With health: the last minute of who talked. */
  timeline?: PartyTimeline[];
}

/** One row of the supervisors' agents list (also an agent's own state). */
export interface AgentInfo {
  user_id: string;
  name: string;
  state: AgentState;
  teams: string[];
  conversation_id?: string;
  since: string;
}

/** One chat message. */
export interface ChatMessage {
  id: string;
  conversation_id: string;
  seq: number;
  kind: MessageKind;
  from: PersonView;
  text: string;
  at: string;
}

/** Payload of conversation.ended and monitor.ended. */
export interface EndedEvent {
  conversation_id: string;
  reason: string;
}

/** Data of conversation.dtmf (agents only): a key the customer pressed. */
export interface DtmfEvent {
  conversation_id: string;
  /** One of 0-9 * # A-D. */
  digit: string;
}

/** Data of monitor.command (supervisors): the outcome of a code dialled on the monitoring leg. */
export interface MonitorCommandEvent {
  /** The conversation whose leg the code was dialled on. */
  conversation_id: string;
  /** listen, whisper, barge, leave or tap; absent for an unknown code. */
  command?: 'listen' | 'whisper' | 'barge' | 'leave' | 'tap';
  /** The mode after a listen/whisper/barge command. */
  mode?: Mode;
  /** Tapping code: the agent's extension and the conversation the supervisor may monitor now. */
  extension?: string;
  target_conversation_id?: string;
  /** Set when the command was refused (nothing changed). */
  error?: { code: string; message: string };
}

/** A queue customers can reach. */
export interface Queue {
  name: string;
  team: string;
}

/** Any view of a conversation that conversation.updated may carry. */
export type ConversationView = CustomerView | AgentView | SupervisorView;

/** Names of server-pushed events. */
export const ServerEvent = {
  ConversationUpdated: 'conversation.updated',
  ConversationOffered: 'conversation.offered',
  ConversationEnded: 'conversation.ended',
  ParticipantJoined: 'conversation.participant_joined',
  ParticipantLeft: 'conversation.participant_left',
  ChatMessage: 'chat.message',
  AgentState: 'agent.state',
  MonitorEnded: 'monitor.ended',
  MonitorWatchStarted: 'monitor.watch_started',
  MonitorWatchRefused: 'monitor.watch_refused',
  MonitorWatchEnded: 'monitor.watch_ended',
  FloorConversation: 'floor.conversation',
  FloorConversationRemoved: 'floor.conversation_removed',
  FloorAgent: 'floor.agent',
  HelpRequested: 'help.requested',
  HelpUpdated: 'help.updated',
  MonitorSlots: 'monitor.slots',
  ConversationIncoming: 'conversation.incoming',
  MediaReoffer: 'media.reoffer',
  HealthAlert: 'health.alert',
  ConversationDtmf: 'conversation.dtmf',
  MonitorCommand: 'monitor.command',
  SessionClosed: 'session.closed',
} as const;

/** Data of media.reoffer: negotiate the call's voice leg again (a cluster lost the node carrying it). */
export interface ReofferEvent {
  conversation_id: string;
  reason: string;
}

/** Payload type of each known server event. */
export interface ServerEventPayloads {
  'conversation.updated': ConversationView;
  'conversation.offered': AgentView;
  'conversation.ended': EndedEvent;
  'conversation.participant_joined': PersonView;
  'conversation.participant_left': PersonView;
  'chat.message': ChatMessage;
  'agent.state': AgentInfo;
  'monitor.ended': EndedEvent;
  'monitor.watch_started': WatchStarted;
  'monitor.watch_refused': WatchRefused;
  'monitor.watch_ended': WatchEnded;
  'floor.conversation': FloorConversation;
  'floor.conversation_removed': EndedEvent;
  'floor.agent': AgentInfo;
  'help.requested': HelpRequestView;
  'help.updated': HelpRequestView;
  'monitor.slots': SlotsEvent;
  'conversation.incoming': CustomerView;
  'health.alert': HealthAlert;
  'session.closed': SessionClosed;
  'conversation.dtmf': DtmfEvent;
  'monitor.command': MonitorCommandEvent;
}

/** Request types with their data and response data. */
export interface Requests {
  'ping': { req: Record<string, never>; res: Record<string, never> };
  'auth.refresh': { req: { token: string }; res: { identity: Identity; ice_servers?: IceServer[] } };
  'session.close': { req: Record<string, never>; res: Record<string, never> };
  'agent.set_state': { req: { state: 'ready' | 'not_ready' }; res: { agent: AgentInfo } };
  'floor.agents': { req: Record<string, never>; res: { agents: AgentInfo[] } };
  'floor.conversations': { req: Record<string, never>; res: { conversations: FloorConversation[] } };
  'queues.list': { req: Record<string, never>; res: { queues: Queue[] } };
  'conversation.start': { req: { queue: string; channel: Channel; offer?: string }; res: { conversation: CustomerView; answer: string } };
  'conversation.accept': { req: { conversation_id: string; offer?: string }; res: { conversation: AgentView; answer: string } };
  'conversation.reoffer': { req: { conversation_id: string; offer: string }; res: { answer: string } };
  'conversation.decline': { req: { conversation_id: string }; res: Record<string, never> };
  'conversation.end': { req: { conversation_id: string }; res: Record<string, never> };
  'conversation.transcript': { req: { conversation_id: string }; res: { messages: ChatMessage[] } };
  'conversation.hold': { req: { conversation_id: string; on: boolean }; res: Record<string, never> };
  'conversation.mute': { req: { conversation_id: string; on: boolean }; res: { conversation: ConversationView } };
  'conversation.talk_back': { req: { conversation_id: string; on: boolean }; res: Record<string, never> };
  'conversation.pci': { req: { conversation_id: string; on: boolean }; res: { conversation: AgentView | SupervisorView } };
  'conversation.transfer': { req: { conversation_id: string; to_agent: string }; res: Record<string, never> };
  'conversation.transfer_targets': { req: { conversation_id: string }; res: { agents: TransferTarget[] } };
  'conversation.dial': { req: { customer_id: string; channel: Channel; offer?: string }; res: { conversation: AgentView; answer: string } };
  'conversation.answer': { req: { conversation_id: string; offer?: string }; res: { conversation: CustomerView; answer: string } };
  'chat.send': { req: { conversation_id: string; kind: MessageKind; text: string }; res: { message: ChatMessage } };
  'monitor.start': { req: { conversation_id: string; reason?: string; offer?: string }; res: { conversation: SupervisorView; answer: string } };
  'monitor.set_mode': { req: { conversation_id: string; mode: Exclude<Mode, 'unknown'> }; res: { conversation: SupervisorView; mode: Mode } };
  'monitor.leave': { req: { conversation_id: string }; res: Record<string, never> };
  'monitor.take_over': { req: { conversation_id: string }; res: { conversation: AgentView } };
  'monitor.watch': { req: { agent: string; scope: WatchScope; reason?: string }; res: { watch: WatchView } };
  'monitor.unwatch': { req: { watch_id: string }; res: Record<string, never> };
  'monitor.watches': { req: Record<string, never>; res: { watches: WatchView[] } };
  'monitor.connect': { req: { conversation_id: string; offer: string }; res: { answer: string } };
  'help.raise': { req: { conversation_id: string; reason: string; comment?: string }; res: { help_request: HelpRequestView } };
  'help.accept': { req: { help_request_id: string }; res: HelpAccepted };
  'help.cancel': { req: { help_request_id: string }; res: { help_request: HelpRequestView } };
  'help.close': { req: { help_request_id: string }; res: { help_request: HelpRequestView } };
  'help.list': { req: Record<string, never>; res: { help_requests: HelpRequestView[]; muted: boolean } };
  'help.mute': { req: { on: boolean }; res: { muted: boolean } };
  'health.settings': { req: Record<string, never>; res: HealthSettings };
  'health.mute': { req: { on: boolean }; res: { muted: boolean } };
}

/** A request type the SDK knows. */
export type RequestType = keyof Requests;

/** Request data of a request type. */
export type RequestData<T extends RequestType> = Requests[T]['req'];

/** Response data of a request type. */
export type ResponseData<T extends RequestType> = Requests[T]['res'];
