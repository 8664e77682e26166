/**
 * Help requests (docs/protocol.md section 10), a facet of EarshotClient:
 * agents raise, cancel and close; supervisors are alerted, accept, and may
 * mute alerts. Customers never learn of help requests.
 */
import { EarshotEvent } from '../events';
import type { FloorConversation, HelpAccepted, HelpRequestView, RequestData, RequestType, ResponseData } from '../protocol';
import { applyHelp } from '../store/help';

/** What the facet needs from the client. */
export interface HelpDeps {
  request: <T extends RequestType>(type: T, data: RequestData<T>) => Promise<ResponseData<T>>;
  changed: () => void;
  emit: (ev: EarshotEvent.HelpRequested | EarshotEvent.HelpUpdated, h: HelpRequestView) => void;
  floorRow: (row: FloorConversation) => void;
}

/** The user's view of help requests. */
export class HelpRequests {
  private map = new Map<string, HelpRequestView>();
  private mutedState = false;

  constructor(private readonly deps: HelpDeps) {}

  /** Active requests (open or in progress) the user raised (agents) or may accept (supervisors), by id. */
  get active(): ReadonlyMap<string, HelpRequestView> {
    return this.map;
  }

  /** Supervisors: whether their help alerts are muted. */
  get muted(): boolean {
    return this.mutedState;
  }

  /** The active request on a conversation, if any. */
  forConversation(conversationId: string): HelpRequestView | undefined {
    return [...this.map.values()].find((h) => h.conversation_id === conversationId);
  }

  /** Agents: asks the supervisors of their teams for help on a live conversation. */
  async raise(conversationId: string, reason: string, comment?: string): Promise<HelpRequestView> {
    const c = comment?.trim();
    const res = await this.deps.request('help.raise', { conversation_id: conversationId, reason: reason.trim(), ...(c ? { comment: c } : {}) });
    this.apply(res.help_request);
    return res.help_request;
  }

  /** Agents: withdraws a request nobody accepted yet. */
  async cancel(id: string): Promise<void> {
    this.apply((await this.deps.request('help.cancel', { help_request_id: id })).help_request);
  }

  /** Agents: ends a request in progress (help was given); a new one may be raised. */
  async close(id: string): Promise<void> {
    this.apply((await this.deps.request('help.close', { help_request_id: id })).help_request);
  }

  /**
   * Supervisors: accepts a request (in progress, provided by the caller).
   * The response says which modes are possible now; monitoring starts with
   * EarshotClient.monitor().
   */
  async accept(id: string): Promise<HelpAccepted> {
    const res = await this.deps.request('help.accept', { help_request_id: id });
    this.deps.floorRow(res.conversation);
    this.apply(res.help_request);
    return res;
  }

  /** Supervisors: mutes (or resumes) new help alerts for all their sessions. */
  async mute(on: boolean): Promise<void> {
    this.mutedState = (await this.deps.request('help.mute', { on })).muted;
    this.deps.changed();
  }

  /** Reloads the active requests (the client does it after every new session). */
  async refresh(): Promise<void> {
    const res = await this.deps.request('help.list', {});
    this.map = new Map(res.help_requests.map((h) => [h.id, h]));
    this.mutedState = res.muted;
    this.deps.changed();
  }

  /** Applies a help.requested (isNew) or help.updated event. */
  applyEvent(isNew: boolean, h: HelpRequestView): void {
    this.map = applyHelp(this.map, h);
    this.deps.emit(isNew ? EarshotEvent.HelpRequested : EarshotEvent.HelpUpdated, h);
  }

  private apply(h: HelpRequestView): void {
    this.map = applyHelp(this.map, h);
    this.deps.emit(EarshotEvent.HelpUpdated, h);
    this.deps.changed();
  }
}
