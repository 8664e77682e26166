/**
 * The app-facing events of EarshotClient: one enum, one typed callback each.
 * Apps subscribe with client.on(EarshotEvent.X, callback).
 */
import type { ConnectionState } from './connectionState';
import type { EarshotError } from './errors';
import type { ConversationState } from './model/conversationState';
import type { AgentInfo, ChatMessage, DtmfEvent, EndedEvent, HealthAlert, HelpRequestView, Identity, MonitorCommandEvent, PersonView, WatchRefused, WatchView } from './protocol';
import type { FloorState } from './store/floor';
import type { LegState } from './transport/VoiceLeg';

/** Every event the client emits. */
export enum EarshotEvent {
  /** Any change of the client's state; UIs that simply re-render listen to this one. */
  Changed = 'changed',
  /** The connection state changed (shown as the reconnect status). */
  ConnectionStateChanged = 'connectionStateChanged',
  /** Signed in: a new session, a resumed one, or a new one after a lost session. */
  SessionStarted = 'sessionStarted',
  /** The token was refreshed; the identity may have changed. */
  IdentityChanged = 'identityChanged',
  /**
   * The same user signed in elsewhere (another tab or device) and took the
   * agent desk: this session was closed by the server and will not reconnect.
   * Apps say so and offer to sign in here again.
   */
  SignedInElsewhere = 'signedInElsewhere',
  /** Customers: an agent calls (outbound); answer() or decline() it. */
  ConversationIncoming = 'conversationIncoming',
  /** Agents: a conversation is offered; accept or decline it. */
  ConversationOffered = 'conversationOffered',
  /** A conversation the user takes part in (or monitors) changed. */
  ConversationChanged = 'conversationChanged',
  /** The user's part in a conversation ended (for supervisors: monitoring ended). */
  ConversationEnded = 'conversationEnded',
  /** Someone joined the conversation audibly (an agent, or a supervisor barging in). */
  ParticipantJoined = 'participantJoined',
  /** Someone left the conversation audibly. */
  ParticipantLeft = 'participantLeft',
  /** A chat message arrived (only threads the user may read ever arrive). */
  ChatMessage = 'chatMessage',
  /** Agents: their own state (ready, not ready, busy). */
  AgentStateChanged = 'agentStateChanged',
  /** Supervisors: the ongoing-conversations dashboard or the agents list changed. */
  FloorChanged = 'floorChanged',
  /** Supervisors: a new help request of one of their teams' agents (not sent while alerts are muted). */
  HelpRequested = 'helpRequested',
  /** A help request the user raised, provides or was shown changed (accepted, closed, cancelled). */
  HelpUpdated = 'helpUpdated',
  /** Supervisors: the pending watches (monitor next call / every call of an agent) changed. */
  WatchesChanged = 'watchesChanged',
  /** Supervisors: a watch started monitoring a conversation (in Listen; voice connects by itself). */
  WatchStarted = 'watchStarted',
  /** Supervisors: a watch could not start monitoring a conversation (e.g. monitor_limit). */
  WatchRefused = 'watchRefused',
  /** Supervisors: a call-health rule rose or cleared on a conversation of their floor (not sent while health alerts are muted). */
  HealthAlert = 'healthAlert',
  /** The media state of a voice call changed. */
  CallStateChanged = 'callStateChanged',
  /** Agents: the customer pressed a key (RFC 4733 DTMF); never sent to supervisors. */
  Dtmf = 'dtmf',
  /** Supervisors: a code dialled on the monitoring leg was carried out or refused. */
  MonitorCommand = 'monitorCommand',
  /** Every server event, raw, including types this SDK version does not model. */
  ServerEvent = 'serverEvent',
  /** An error not tied to a request the app made (e.g. a failed token refresh). */
  Error = 'error',
}

/** The callback of each event. */
export interface EarshotCallbacks {
  [EarshotEvent.Changed]: () => void;
  [EarshotEvent.ConnectionStateChanged]: (state: ConnectionState, error?: EarshotError) => void;
  [EarshotEvent.SessionStarted]: (identity: Identity, info: { resumed: boolean; replacedLostSession: boolean }) => void;
  [EarshotEvent.IdentityChanged]: (identity: Identity) => void;
  [EarshotEvent.SignedInElsewhere]: () => void;
  [EarshotEvent.ConversationIncoming]: (conversation: ConversationState) => void;
  [EarshotEvent.ConversationOffered]: (conversation: ConversationState) => void;
  [EarshotEvent.ConversationChanged]: (conversation: ConversationState) => void;
  [EarshotEvent.ConversationEnded]: (conversation: ConversationState, ended: EndedEvent) => void;
  [EarshotEvent.ParticipantJoined]: (conversationId: string | null, person: PersonView) => void;
  [EarshotEvent.ParticipantLeft]: (conversationId: string | null, person: PersonView) => void;
  [EarshotEvent.ChatMessage]: (message: ChatMessage) => void;
  [EarshotEvent.AgentStateChanged]: (agent: AgentInfo) => void;
  [EarshotEvent.FloorChanged]: (floor: FloorState) => void;
  [EarshotEvent.HelpRequested]: (help: HelpRequestView) => void;
  [EarshotEvent.HelpUpdated]: (help: HelpRequestView) => void;
  [EarshotEvent.WatchesChanged]: (watches: readonly WatchView[]) => void;
  [EarshotEvent.WatchStarted]: (conversation: ConversationState, watchId: string) => void;
  [EarshotEvent.WatchRefused]: (refusal: WatchRefused) => void;
  [EarshotEvent.HealthAlert]: (alert: HealthAlert) => void;
  [EarshotEvent.CallStateChanged]: (conversationId: string, state: LegState) => void;
  [EarshotEvent.Dtmf]: (event: DtmfEvent) => void;
  [EarshotEvent.MonitorCommand]: (event: MonitorCommandEvent) => void;
  [EarshotEvent.ServerEvent]: (type: string, data: unknown) => void;
  [EarshotEvent.Error]: (error: EarshotError) => void;
}
