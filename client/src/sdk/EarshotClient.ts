/**
 * EarshotClient is the app-facing model: sign in, take part in
 * conversations (as customer, agent or supervisor), and read a live state
 * that events keep current. Apps and UIs use only this class; the engine,
 * the signal client and the voice transport stay underneath.
 */
import { ConnectionState } from './connectionState';
import { TypedEmitter } from './emitter';
import { Engine } from './engine/Engine';
import { EarshotError, ErrorCode, toEarshotError } from './errors';
import { EarshotEvent, type EarshotCallbacks } from './events';
import type { ConversationState, MyPart } from './model/conversationState';
import { HelpRequests } from './model/HelpRequests';
import { VoiceCall } from './model/VoiceCall';
import type { VoiceLeg } from './transport/VoiceLeg';
import { withDefaults, type ClientOptions } from './options';
import type {
  AgentInfo,
  AgentView,
  ChatMessage,
  Channel,
  ConversationView,
  CustomerView,
  DtmfEvent,
  EndedEvent,
  FloorConversation,
  HealthAlert,
  HealthSettings,
  HelpRequestView,
  Identity,
  MessageKind,
  Mode,
  MonitorCommandEvent,
  PersonView,
  Queue,
  ReofferEvent,
  RequestData,
  RequestType,
  ResponseData,
  SlotParty,
  SlotsEvent,
  SupervisorView,
  TransferTarget,
  WatchEnded,
  WatchRefused,
  WatchScope,
  WatchStarted,
  WatchView,
} from './protocol';
import { ServerEvent } from './protocol';
import * as floor from './store/floor';
import { mergeMessages } from './store/messages';
import { slotTableOf, type SlotTable } from './store/slotMap';

/** Options for starting or accepting a voice conversation. */
export interface VoiceOptions {
  /** A microphone already obtained (e.g. in a permission step); otherwise the client asks for one. */
  microphone?: MediaStreamTrack | null;
}

/** Options of monitor(). */
export interface MonitorOptions {
  /** Why the supervisor monitors; kept in the audit trail. */
  reason?: string;
  /**
   * The supervisor's microphone (for Whisper and Barge). Undefined: the
   * client asks for one and monitors listen-only if it is refused. Null:
   * listen-only.
   */
  microphone?: MediaStreamTrack | null;
}

/** Which part a conversation view belongs to. */
export function partOfView(v: ConversationView): MyPart {
  if ('monitors' in v) return 'supervisor';
  if ('talk_back' in v) return 'agent';
  return 'customer';
}

/** The Earshot client. */
/** How many times a re-offer after a failover is tried before giving up. */
const reofferAttempts = 4;

export class EarshotClient extends TypedEmitter<EarshotCallbacks> {
  private readonly engine: Engine;
  private readonly opts: ClientOptions;
  /** Help requests: raise, accept, cancel, close, mute alerts (docs/protocol.md section 10). */
  readonly help: HelpRequests;
  private convs = new Map<string, ConversationState>();
  /** Conversations whose end was seen: late updates must not bring them back. */
  private readonly endedIds = new Set<string>();
  private floorState: floor.FloorState = floor.emptyFloor;
  private agentInfo: AgentInfo | null = null;
  /** Supervisors: the server's slot map of each monitored call (monitor.slots). */
  private slotMaps = new Map<string, (SlotParty | null)[]>();
  private watchList: WatchView[] = [];

  constructor(options: Partial<ClientOptions> & Pick<ClientOptions, 'token'>) {
    super();
    this.opts = withDefaults(options);
    this.engine = new Engine(this.opts);
    this.help = new HelpRequests({
      request: (type, data) => this.engine.signal.request(type, data),
      changed: () => this.changed(),
      emit: (ev, h) => this.emit(ev, h),
      floorRow: (row) => {
        this.floorState = floor.upsertConversation(this.floorState, row);
        this.emit(EarshotEvent.FloorChanged, this.floorState);
      },
    });
    const sig = this.engine.signal;
    sig.on('state', (s, err) => {
      this.emit(EarshotEvent.ConnectionStateChanged, s, err);
      this.changed();
    });
    sig.on('session', (info) => void this.onSession(info.auth.identity, info.resumed, info.replacedLostSession, info.recovered === true));
    sig.on('event', (type, data) => this.onServerEvent(type, data));
    sig.on('identity', (id) => {
      this.emit(EarshotEvent.IdentityChanged, id);
      this.changed();
    });
    sig.on('error', (e) => this.emit(EarshotEvent.Error, e));
  }

  // ---- state ----

  /** The connection state (shown as the reconnect status). */
  get connectionState(): ConnectionState {
    return this.engine.signal.connectionState;
  }

  /** The signed-in user. */
  get identity(): Identity | null {
    return this.engine.signal.currentIdentity;
  }

  /** Whether the signed-in user has a role. */
  hasRole(role: string): boolean {
    return this.identity?.roles.includes(role) ?? false;
  }

  /** Supervisors: the ongoing conversations and agents. */
  get floor(): floor.FloorState {
    return this.floorState;
  }

  /** Agents: their own state. */
  get agent(): AgentInfo | null {
    return this.agentInfo;
  }

  /** Every conversation the user takes part in, monitors, or was offered (ended ones until dismissed). */
  get conversations(): ConversationState[] {
    return [...this.convs.values()].sort((a, b) => a.since - b.since);
  }

  /** One conversation. */
  conversation(id: string): ConversationState | undefined {
    return this.convs.get(id);
  }

  /** Receive slots per voice leg: announced by the server at sign-in (media_slots). */
  get mediaSlots(): number {
    return this.engine.slots;
  }

  /**
   * Supervisors: the party on each receive slot of a monitored call, as the
   * server announced it (monitor.slots); null for a silent slot. One entry
   * per slot; all null until the first announcement.
   */
  slotParties(conversationId: string): (SlotParty | null)[] {
    const m = this.slotMaps.get(conversationId) ?? [];
    return Array.from({ length: this.engine.slots }, (_, i) => m[i] ?? null);
  }

  /** Supervisors: this session's pending watches, oldest first. */
  get watches(): readonly WatchView[] {
    return this.watchList;
  }

  /** The receive-slot table as speaker keys ("customer", "agent", "supervisor:<id>"). */
  slotTable(conversationId: string): SlotTable {
    return slotTableOf(this.slotMaps.get(conversationId), this.engine.slots);
  }

  // ---- session ----

  /** Connects and signs in; resolves with the identity. */
  async connect(): Promise<Identity> {
    const auth = await this.engine.signal.connect();
    return auth.identity;
  }

  /** Ends the session and every call. */
  async disconnect(): Promise<void> {
    for (const c of this.convs.values()) c.call?.close();
    await this.engine.signal.disconnect();
    this.engine.close();
    this.changed();
  }

  /**
   * Unlocks audio playback. Call it synchronously in a click handler before
   * starting, accepting or monitoring a call (the call methods do it too).
   */
  prepareAudio(): void {
    this.engine.audioContext();
  }

  /** Asks for the microphone; rejects with microphone_denied or microphone_unavailable. */
  requestMicrophone(): Promise<MediaStreamTrack> {
    return this.engine.microphone();
  }

  /** Sends any request, also of protocol parts this SDK version does not model. */
  request<T extends RequestType>(type: T, data: RequestData<T>): Promise<ResponseData<T>>;
  request(type: string, data: unknown): Promise<unknown>;
  request(type: string, data: unknown): Promise<unknown> {
    return this.engine.signal.request(type, data);
  }

  /** Simulates a network drop (the session resumes); for demos and tests. */
  dropConnection(): void {
    this.engine.signal.dropConnection();
  }

  // ---- supervisors: call health ----

  /** The call-health rules in force and whether the user muted health alerts. */
  async healthSettings(): Promise<HealthSettings> {
    return this.request('health.settings', {});
  }

  /** Mutes (on) or unmutes the user's call-health alerts; the floor keeps showing health. */
  async muteHealth(on: boolean): Promise<boolean> {
    return (await this.request('health.mute', { on })).muted;
  }

  // ---- every role ----

  /** Sends a chat message: public (the customer's thread) or whisper (agents and supervisors). */
  async sendMessage(conversationId: string, kind: MessageKind, text: string): Promise<ChatMessage> {
    const res = await this.request('chat.send', { conversation_id: conversationId, kind, text });
    this.addMessages(conversationId, [res.message]);
    return res.message;
  }

  /** Loads the transcript the user may read. */
  async loadTranscript(conversationId: string): Promise<readonly ChatMessage[]> {
    const res = await this.request('conversation.transcript', { conversation_id: conversationId });
    this.addMessages(conversationId, res.messages);
    return this.convs.get(conversationId)?.messages ?? res.messages;
  }

  /** Mutes or unmutes the user's own audio (for supervisors: mute = Listen, unmute = Barge). */
  async mute(conversationId: string, on: boolean): Promise<void> {
    const c = this.convs.get(conversationId);
    if (on) c?.call?.setMicrophoneEnabled(false);
    const res = await this.request('conversation.mute', { conversation_id: conversationId, on }).catch((e: unknown) => {
      this.resyncMicrophone(conversationId);
      throw e;
    });
    this.applyView(res.conversation);
  }

  /** Ends a conversation (customers and agents). */
  async end(conversationId: string): Promise<void> {
    await this.request('conversation.end', { conversation_id: conversationId });
  }

  /** Forgets an ended conversation (after the user dismissed it). */
  dismiss(conversationId: string): void {
    const c = this.convs.get(conversationId);
    if (!c || !c.ended) return;
    this.convs.delete(conversationId);
    this.changed();
  }

  // ---- customers ----

  /** Queues the customer may choose. */
  async listQueues(): Promise<Queue[]> {
    return (await this.request('queues.list', {})).queues;
  }

  /** Starts a voice call into a queue. */
  async startVoice(queue: string, opts: VoiceOptions = {}): Promise<ConversationState> {
    const ctx = this.engine.audioContext();
    const mic = opts.microphone !== undefined ? opts.microphone : await this.requestMicrophone();
    const { res, leg } = await this.engine.negotiate(mic, (offer) => this.request('conversation.start', { queue, channel: 'voice', offer }));
    const call = new VoiceCall(res.conversation.conversation_id, leg, ctx);
    return this.adoptCall(res.conversation, 'customer', call);
  }

  /** Starts a web chat into a queue. */
  async startChat(queue: string): Promise<ConversationState> {
    const res = await this.request('conversation.start', { queue, channel: 'chat' });
    return this.adoptCall(res.conversation, 'customer', null);
  }

  /** Customers: answers an outbound conversation that rings (conversation.incoming). */
  async answer(conversationId: string, opts: VoiceOptions = {}): Promise<ConversationState> {
    const ringing = this.convs.get(conversationId);
    if (ringing?.channel === 'chat') {
      const res = await this.request('conversation.answer', { conversation_id: conversationId });
      return this.adoptCall(res.conversation, 'customer', null);
    }
    const ctx = this.engine.audioContext();
    const mic = opts.microphone !== undefined ? opts.microphone : await this.requestMicrophone();
    const { res, leg } = await this.engine.negotiate(mic, (offer) => this.request('conversation.answer', { conversation_id: conversationId, offer }));
    return this.adoptCall(res.conversation, 'customer', new VoiceCall(conversationId, leg, ctx));
  }

  // ---- agents ----

  /** Sets the agent Ready (true) or Not Ready. */
  async setReady(ready: boolean): Promise<AgentInfo> {
    const res = await this.request('agent.set_state', { state: ready ? 'ready' : 'not_ready' });
    this.agentInfo = res.agent;
    this.emit(EarshotEvent.AgentStateChanged, res.agent);
    this.changed();
    return res.agent;
  }

  /** Accepts an offered conversation (voice: with the microphone). */
  async accept(conversationId: string, opts: VoiceOptions = {}): Promise<ConversationState> {
    const offered = this.convs.get(conversationId);
    const channel: Channel = offered?.channel ?? 'voice';
    if (channel === 'chat') {
      const res = await this.request('conversation.accept', { conversation_id: conversationId });
      const st = this.adoptCall(res.conversation, 'agent', null);
      void this.loadTranscript(conversationId).catch(() => undefined);
      return st;
    }
    const ctx = this.engine.audioContext();
    const mic = opts.microphone !== undefined ? opts.microphone : await this.requestMicrophone();
    const { res, leg } = await this.engine.negotiate(mic, (offer) => this.request('conversation.accept', { conversation_id: conversationId, offer }));
    return this.adoptCall(res.conversation, 'agent', new VoiceCall(conversationId, leg, ctx));
  }

  /** Declines an offer; the server sets the agent Not Ready. */
  async decline(conversationId: string): Promise<void> {
    await this.request('conversation.decline', { conversation_id: conversationId });
  }

  /** Puts the customer on hold (nobody hears them, they hear nobody) or resumes. */
  async hold(conversationId: string, on: boolean): Promise<void> {
    await this.request('conversation.hold', { conversation_id: conversationId, on });
  }

  /** Blind transfer to another agent (by user id). */
  async transfer(conversationId: string, toAgent: string): Promise<void> {
    await this.request('conversation.transfer', { conversation_id: conversationId, to_agent: toAgent });
  }

  /**
   * The agents the conversation can be transferred to now (Ready, allowed by
   * the server's team policy), sorted by name: for a picker.
   */
  async transferTargets(conversationId: string): Promise<TransferTarget[]> {
    const res = await this.request('conversation.transfer_targets', { conversation_id: conversationId });
    return res.agents;
  }

  /**
   * Agents: calls (voice) or opens a chat with a connected customer, by the
   * customer's user id. The agent joins at once; the customer is rung
   * (conversation.incoming) until it answers, declines or the offer times out.
   */
  async dial(customerId: string, channel: Channel = 'voice', opts: VoiceOptions = {}): Promise<ConversationState> {
    if (channel === 'chat') {
      const res = await this.request('conversation.dial', { customer_id: customerId, channel });
      return this.adoptCall(res.conversation, 'agent', null);
    }
    const ctx = this.engine.audioContext();
    const mic = opts.microphone !== undefined ? opts.microphone : await this.requestMicrophone();
    const { res, leg } = await this.engine.negotiate(mic, (offer) => this.request('conversation.dial', { customer_id: customerId, channel, offer }));
    return this.adoptCall(res.conversation, 'agent', new VoiceCall(res.conversation.conversation_id, leg, ctx));
  }

  /** Agents: while on, only the coaching (Whisper) supervisors hear the agent. */
  async talkBack(conversationId: string, on: boolean): Promise<void> {
    await this.request('conversation.talk_back', { conversation_id: conversationId, on });
  }

  /**
   * PCI pause (agents, or a supervisor in Barge): while on, no supervisor
   * hears the customer; agent and customer still hear each other. The
   * server resumes by itself after policy.pci_pause_max.
   */
  async pciPause(conversationId: string, on: boolean): Promise<void> {
    const res = await this.request('conversation.pci', { conversation_id: conversationId, on });
    this.applyView(res.conversation);
  }

  // ---- supervisors ----

  /**
   * Watches an agent: monitor its next conversation (scope "next") or every
   * one until unwatch() (scope "all"). Monitoring starts in Listen the moment
   * the agent accepts, with every check of monitor(); voice connects by
   * itself (microphone off). Call it from a click: it unlocks audio playback.
   */
  async watch(agentUserId: string, scope: WatchScope, reason?: string): Promise<WatchView> {
    this.engine.audioContext();
    const res = await this.request('monitor.watch', { agent: agentUserId, scope, reason: reason?.trim() || undefined });
    this.setWatches([...this.watchList.filter((w) => w.watch_id !== res.watch.watch_id), res.watch]);
    return res.watch;
  }

  /** Cancels a pending watch; monitoring it already started goes on. */
  async unwatch(watchId: string): Promise<void> {
    await this.request('monitor.unwatch', { watch_id: watchId });
    this.setWatches(this.watchList.filter((w) => w.watch_id !== watchId));
  }

  /** Reloads this session's pending watches. */
  async refreshWatches(): Promise<readonly WatchView[]> {
    this.setWatches((await this.request('monitor.watches', {})).watches);
    return this.watchList;
  }

  private setWatches(list: WatchView[]): void {
    this.watchList = list;
    this.emit(EarshotEvent.WatchesChanged, this.watchList);
    this.changed();
  }

  /** A watch started monitoring: adopt the conversation and, for voice, connect the leg. */
  private async onWatchStarted(ev: WatchStarted): Promise<void> {
    const id = ev.conversation.conversation_id;
    let st = this.put(ev.conversation, 'supervisor', { offered: false });
    this.endedIds.delete(id);
    if (ev.connect) {
      const ctx = this.engine.audioContext();
      const mic = await this.requestMicrophone().catch(() => null);
      if (mic) mic.enabled = false;
      const { leg } = await this.engine.negotiate(mic, (offer) => this.request('monitor.connect', { conversation_id: id, offer }));
      const cur = this.convs.get(id);
      if (!cur || cur.ended) {
        leg.close();
        return;
      }
      st = this.adoptCall(cur.view, 'supervisor', new VoiceCall(id, leg, ctx));
    } else {
      void this.loadTranscript(id).catch(() => undefined);
    }
    this.emit(EarshotEvent.WatchStarted, st, ev.watch_id);
    this.changed();
  }

  /** Reloads the ongoing conversations and agents. */
  async refreshFloor(): Promise<floor.FloorState> {
    const [c, a] = await Promise.all([this.request('floor.conversations', {}), this.request('floor.agents', {})]);
    this.floorState = floor.loadFloor(c.conversations, a.agents);
    this.emit(EarshotEvent.FloorChanged, this.floorState);
    this.changed();
    return this.floorState;
  }

  /**
   * Starts monitoring in Listen. The supervisor's microphone stays switched
   * off locally until Whisper or Barge (the server gates it as well).
   */
  async monitor(conversationId: string, opts: MonitorOptions = {}): Promise<ConversationState> {
    const row = this.floorState.conversations.get(conversationId);
    const reason = opts.reason?.trim() || undefined;
    if (row?.channel === 'chat') {
      const res = await this.request('monitor.start', { conversation_id: conversationId, reason });
      const st = this.adoptCall(res.conversation, 'supervisor', null);
      void this.loadTranscript(conversationId).catch(() => undefined);
      return st;
    }
    const ctx = this.engine.audioContext();
    let mic = opts.microphone;
    if (mic === undefined) mic = await this.requestMicrophone().catch(() => null);
    if (mic) mic.enabled = false;
    const { res, leg } = await this.engine.negotiate(mic, (offer) => this.request('monitor.start', { conversation_id: conversationId, reason, offer }));
    const st = this.adoptCall(res.conversation, 'supervisor', new VoiceCall(conversationId, leg, ctx));
    void this.loadTranscript(conversationId).catch(() => undefined);
    return st;
  }

  /** Switches Listen / Whisper / Barge. */
  async setMode(conversationId: string, mode: Exclude<Mode, 'unknown'>): Promise<void> {
    const c = this.convs.get(conversationId);
    // Going silent: the microphone goes off before the server is asked.
    if (mode === 'listen') c?.call?.setMicrophoneEnabled(false);
    const res = await this.request('monitor.set_mode', { conversation_id: conversationId, mode }).catch((e: unknown) => {
      this.resyncMicrophone(conversationId); // refused: the old mode stands
      throw e;
    });
    this.applyView(res.conversation);
  }

  /** Ends the supervisor's own monitoring; the conversation goes on. */
  async leave(conversationId: string): Promise<void> {
    this.convs.get(conversationId)?.call?.setMicrophoneEnabled(false);
    await this.request('monitor.leave', { conversation_id: conversationId });
  }

  /**
   * Presses keys on the call's microphone as RFC 4733 telephone-events
   * (RTCDTMFSender.insertDTMF on the leg's sender). A supervisor's keys are
   * commands (star codes, the tapping code: monitor.command tells the
   * outcome); a customer's reach the agent as conversation.dtmf. Needs a
   * microphone track.
   */
  sendDigits(conversationId: string, digits: string): void {
    const call = this.convs.get(conversationId)?.call;
    if (!call) throw new EarshotError(ErrorCode.BadState, 'no voice call in this conversation');
    call.leg.sendDigits(digits);
  }

  /** Takes the conversation over: the supervisor becomes its agent, the agent is released. */
  async takeOver(conversationId: string): Promise<void> {
    const res = await this.request('monitor.take_over', { conversation_id: conversationId });
    this.applyView(res.conversation);
  }

  // ---- events ----

  private async onSession(identity: Identity, resumed: boolean, replacedLostSession: boolean, recovered = false): Promise<void> {
    if (replacedLostSession) {
      // The old session ended on the server with everything it took part in.
      for (const c of [...this.convs.values()]) this.markEnded(c.id, { conversation_id: c.id, reason: 'connection_lost' });
      this.agentInfo = null;
    }
    this.emit(EarshotEvent.SessionStarted, identity, { resumed, replacedLostSession });
    this.changed();
    // A resume on a node that took the session over replayed nothing: the
    // calls go on (media.reoffer follows), the lists are loaded again.
    if (resumed && !recovered) return;
    const report = (e: unknown): void => this.emit(EarshotEvent.Error, e instanceof EarshotError ? e : new EarshotError(ErrorCode.Unknown, String(e)));
    if (identity.roles.includes('supervisor')) await this.refreshFloor().catch(report);
    if (identity.roles.includes('supervisor') || identity.roles.includes('agent')) {
      // Servers without help requests answer unknown_type: nothing to show then.
      await this.help.refresh().catch((e: EarshotError) => {
        if (e.code !== ErrorCode.UnknownType) report(e);
      });
    }
  }

  private onServerEvent(type: string, data: unknown): void {
    this.emit(EarshotEvent.ServerEvent, type, data);
    switch (type) {
      case ServerEvent.ConversationUpdated:
        this.applyView(data as ConversationView);
        break;
      case ServerEvent.ConversationOffered: {
        const v = data as AgentView;
        this.endedIds.delete(v.conversation_id);
        const st = this.put(v, 'agent', { offered: true });
        this.emit(EarshotEvent.ConversationOffered, st);
        break;
      }
      case ServerEvent.ConversationIncoming: {
        const v = data as CustomerView;
        this.endedIds.delete(v.conversation_id);
        const st = this.put(v, 'customer', { offered: true });
        this.emit(EarshotEvent.ConversationIncoming, st);
        break;
      }
      case ServerEvent.MonitorSlots: {
        const ev = data as SlotsEvent;
        // It may come before the monitor.start response: kept by id.
        this.slotMaps.set(ev.conversation_id, ev.slots);
        break;
      }
      case ServerEvent.SessionClosed:
        if ((data as { reason?: string }).reason === ErrorCode.SignedInElsewhere) this.onSignedInElsewhere();
        break;
      case ServerEvent.MediaReoffer:
        void this.reoffer((data as ReofferEvent).conversation_id).catch((e: unknown) =>
          this.emit(EarshotEvent.Error, toEarshotError(e, ErrorCode.Unknown)),
        );
        break;
      case ServerEvent.ConversationDtmf:
        this.emit(EarshotEvent.Dtmf, data as DtmfEvent);
        break;
      case ServerEvent.MonitorCommand:
        this.emit(EarshotEvent.MonitorCommand, data as MonitorCommandEvent);
        break;
      case ServerEvent.ConversationEnded:
      case ServerEvent.MonitorEnded:
        this.markEnded((data as EndedEvent).conversation_id, data as EndedEvent);
        break;
      case ServerEvent.ParticipantJoined:
      case ServerEvent.ParticipantLeft:
        this.addNotice(type === ServerEvent.ParticipantJoined, data as PersonView);
        break;
      case ServerEvent.ChatMessage: {
        const m = data as ChatMessage;
        this.addMessages(m.conversation_id, [m]);
        this.emit(EarshotEvent.ChatMessage, m);
        break;
      }
      case ServerEvent.AgentState:
        this.agentInfo = data as AgentInfo;
        this.emit(EarshotEvent.AgentStateChanged, this.agentInfo);
        break;
      case ServerEvent.FloorConversation:
        this.floorState = floor.upsertConversation(this.floorState, data as FloorConversation);
        this.emit(EarshotEvent.FloorChanged, this.floorState);
        break;
      case ServerEvent.FloorConversationRemoved:
        this.floorState = floor.removeConversation(this.floorState, (data as EndedEvent).conversation_id);
        this.emit(EarshotEvent.FloorChanged, this.floorState);
        break;
      case ServerEvent.MonitorWatchStarted:
        void this.onWatchStarted(data as WatchStarted).catch((e: unknown) =>
          this.emit(EarshotEvent.Error, e instanceof EarshotError ? e : new EarshotError(ErrorCode.Unknown, String(e))),
        );
        break;
      case ServerEvent.MonitorWatchRefused:
        this.emit(EarshotEvent.WatchRefused, data as WatchRefused);
        break;
      case ServerEvent.MonitorWatchEnded:
        this.setWatches(this.watchList.filter((w) => w.watch_id !== (data as WatchEnded).watch_id));
        break;
      case ServerEvent.HelpRequested:
      case ServerEvent.HelpUpdated:
        this.help.applyEvent(type === ServerEvent.HelpRequested, data as HelpRequestView);
        break;
      case ServerEvent.HealthAlert:
        this.emit(EarshotEvent.HealthAlert, data as HealthAlert);
        break;
      case ServerEvent.FloorAgent:
        this.floorState = floor.upsertAgent(this.floorState, data as AgentInfo);
        this.emit(EarshotEvent.FloorChanged, this.floorState);
        break;
      default:
        break;
    }
    this.changed();
  }

  /**
   * Negotiates a call's voice leg again, with the same microphone: the
   * cluster lost the node that carried the call's media and placed it on
   * another. The server routes the new leg exactly as the old one (a
   * listening supervisor stays silent), so nothing is asked of the user.
   */
  private async reoffer(id: string): Promise<void> {
    const st = this.convs.get(id);
    const old = st?.call;
    if (!st || !old) return;
    const mic = old.leg.microphone;
    // A node that just took the call over may be busy with every other
    // call's re-offer: a failed attempt is tried again, a few times.
    let leg: VoiceLeg | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        leg = (await this.engine.negotiate(mic, (offer) => this.request('conversation.reoffer', { conversation_id: id, offer }), true)).leg;
        break;
      } catch (e) {
        const code = e instanceof EarshotError ? e.code : ErrorCode.Unknown;
        const retryable = code === ErrorCode.MediaFailed || code === ErrorCode.WebRTCFailed || code === ErrorCode.Timeout || code === ErrorCode.BadState;
        if (!retryable || attempt >= reofferAttempts - 1 || !this.convs.get(id) || this.endedIds.has(id)) throw e;
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
    const cur = this.convs.get(id);
    if (!cur || cur.call !== old || this.endedIds.has(id)) {
      leg.close(true); // ended or replaced meanwhile
      return;
    }
    old.close(true);
    this.adoptCall(cur.view, cur.part, new VoiceCall(id, leg, this.engine.audioContext()));
  }

  // ---- state helpers ----

  private adoptCall(view: ConversationView, part: MyPart, call: VoiceCall | null): ConversationState {
    const id = view.conversation_id;
    this.endedIds.delete(id);
    const st = this.put(view, part, { offered: false, call });
    if (call) {
      call.on('state', (s) => {
        this.emit(EarshotEvent.CallStateChanged, id, s);
        this.changed();
      });
    }
    this.syncMicrophone(st);
    this.changed();
    return st;
  }

  /** Applies a view from an event or a response. */
  private applyView(view: ConversationView): void {
    const id = view.conversation_id;
    if (this.endedIds.has(id)) return;
    const prev = this.convs.get(id);
    const st = this.put(view, partOfView(view), {});
    if (prev) this.syncMicrophone(st);
    this.emit(EarshotEvent.ConversationChanged, st);
    this.changed();
  }

  private put(view: ConversationView, part: MyPart, patch: Partial<ConversationState>): ConversationState {
    const id = view.conversation_id;
    const prev = this.convs.get(id);
    const st: ConversationState = {
      id,
      part,
      channel: view.channel,
      view,
      offered: prev?.offered ?? false,
      messages: prev?.messages ?? [],
      notices: prev?.notices ?? [],
      call: prev?.call ?? null,
      ended: null,
      since: prev && !prev.ended ? prev.since : Date.now(),
      ...patch,
    };
    if (prev?.call && patch.call && prev.call !== patch.call) prev.call.close();
    this.convs.set(id, st);
    if (part !== 'supervisor') this.slotMaps.delete(id); // e.g. after a take-over
    return st;
  }

  private resyncMicrophone(id: string): void {
    const c = this.convs.get(id);
    if (c) this.syncMicrophone(c);
  }

  /** Mirrors the server's view on the local microphone switch (defence in depth). */
  private syncMicrophone(st: ConversationState): void {
    const call = st.call;
    if (!call) return;
    if (st.part === 'supervisor') {
      const mode = (st.view as SupervisorView).mode;
      call.setMicrophoneEnabled(mode === 'whisper' || mode === 'barge');
    } else {
      call.setMicrophoneEnabled(!(st.view as CustomerView | AgentView).muted);
    }
  }

  private markEnded(id: string, ended: EndedEvent): void {
    const c = this.convs.get(id);
    this.endedIds.add(id);
    this.slotMaps.delete(id);
    if (!c) return;
    c.call?.close();
    if (c.offered) {
      // An offer that went elsewhere is not a conversation the agent had.
      this.convs.delete(id);
      this.emit(EarshotEvent.ConversationEnded, c, ended);
      return;
    }
    const st: ConversationState = { ...c, call: null, offered: false, ended };
    this.convs.set(id, st);
    this.emit(EarshotEvent.ConversationEnded, st, ended);
  }

  private addMessages(id: string, msgs: ChatMessage[]): void {
    const c = this.convs.get(id);
    if (!c) return;
    this.convs.set(id, { ...c, messages: mergeMessages(c.messages, msgs) });
    this.changed();
  }

  private addNotice(joined: boolean, person: PersonView): void {
    // Only customers and agents get these, and each has one live conversation.
    const c = [...this.convs.values()].reverse().find((x) => !x.ended && !x.offered && x.part !== 'supervisor');
    if (c) this.convs.set(c.id, { ...c, notices: [...c.notices, { at: Date.now(), joined, person }].slice(-20) });
    const ev = joined ? EarshotEvent.ParticipantJoined : EarshotEvent.ParticipantLeft;
    this.emit(ev, c?.id ?? null, person);
  }

  /**
   * A newer session of this agent took the desk: every call of this tab is
   * closed locally (the new tab carries on) and the app is told; the signal
   * layer does not reconnect.
   */
  private onSignedInElsewhere(): void {
    for (const c of [...this.convs.values()]) {
      if (!c.ended) this.markEnded(c.id, { conversation_id: c.id, reason: ErrorCode.SignedInElsewhere });
    }
    this.agentInfo = null;
    this.emit(EarshotEvent.SignedInElsewhere);
  }

  private changed(): void {
    this.emit(EarshotEvent.Changed);
  }
}
