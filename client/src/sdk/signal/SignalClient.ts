/**
 * The signal layer: one WebSocket to /ws speaking protocol v1. It signs in,
 * correlates requests with responses, numbers events, keeps the socket alive
 * with pings, refreshes the token before it expires, and when the socket
 * drops resumes the session (missed events are replayed by the server) or,
 * when the session cannot be resumed, starts a new one.
 *
 * Only the engine talks to this class; apps use EarshotClient.
 */
import { ConnectionState } from '../connectionState';
import { TypedEmitter } from '../emitter';
import { EarshotError, ErrorCode } from '../errors';
import {
  PROTOCOL_VERSION,
  type AuthResult,
  type EventFrame,
  type IceServer,
  type Identity,
  type RequestData,
  type RequestType,
  type ResponseData,
  type ResponseFrame,
  type ResumeResult,
  type SessionClosed,
  SIGNED_IN_ELSEWHERE,
} from '../protocol';
import type { ReconnectPolicy } from './reconnect';

/** The part of the browser's WebSocket the client uses (tests pass a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Creates a WebSocket for a URL. */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Returns the current login token (it may fetch a fresh one). */
export type TokenProvider = () => string | Promise<string>;

/** Settings of the signal layer (all filled from defaults by the model). */
export interface SignalOptions {
  /** The server, or several nodes of a cluster (tried in turn when one cannot be reached). */
  url: string | string[];
  token: TokenProvider;
  requestTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  refreshBeforeExpiryMs: number;
  reconnectPolicy: ReconnectPolicy;
  webSocketFactory: WebSocketFactory;
}

/** What the signal layer reports when a session starts or resumes. */
export interface SessionInfo {
  auth: AuthResult;
  /** True when an existing session was resumed (nothing was lost). */
  resumed: boolean;
  /** True when a previous session was lost and this is a new one (state must be reloaded). */
  replacedLostSession: boolean;
  /**
   * True when the session resumed on a cluster node that took it over from
   * a lost one: the calls go on, but what was missed meanwhile could not be
   * replayed (reload lists such as the floor).
   */
  recovered?: boolean;
}

/** Callbacks of the signal layer. */
export interface SignalCallbacks {
  state: (state: ConnectionState, error?: EarshotError) => void;
  session: (info: SessionInfo) => void;
  event: (type: string, data: unknown, seq: number | undefined) => void;
  identity: (identity: Identity) => void;
  error: (error: EarshotError) => void;
}

/** Codes that mean the token itself is refused: retrying with it is pointless. */
const fatalAuthCodes = new Set<string>([
  ErrorCode.TokenMissing,
  ErrorCode.TokenExpired,
  ErrorCode.TokenInvalid,
  ErrorCode.TokenWrongAudience,
  ErrorCode.TokenWrongIssuer,
  ErrorCode.TokenMissingClaim,
  ErrorCode.Forbidden,
  ErrorCode.UnsupportedVersion,
]);

/** Codes of a refused resume: the session is gone, start a new one. */
const resumeRefusedCodes = new Set<string>([ErrorCode.ResumeFailed, ErrorCode.ResumeGap, ErrorCode.BadRequest]);

const WS_OPEN = 1;

interface Pending {
  ws: WebSocketLike;
  type: string;
  resolve: (data: unknown) => void;
  reject: (err: EarshotError) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface SessionState {
  id: string;
  resumeToken: string;
  graceMs: number;
  lastSeq: number;
}

/** The WebSocket signaling client. */
export class SignalClient extends TypedEmitter<SignalCallbacks> {
  private ws: WebSocketLike | null = null;
  private state = ConnectionState.Disconnected;
  private session: SessionState | null = null;
  private identity: Identity | null = null;
  private servers: IceServer[] | undefined;
  private slots: number | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  /** Set by disconnect(): no more reconnects. */
  private stopped = true;
  /** The last session.closed of the current socket. */
  private lastClosed: SessionClosed | null = null;
  private droppedAt = 0;
  private everConnected = false;
  /** Position in the URL list (see nextUrl). */
  private urlIndex = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeLoop: (() => void) | null = null;
  private loopRunning = false;
  private loopWanted = false;

  constructor(private readonly opts: SignalOptions) {
    super();
  }

  /** The current connection state. */
  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The signed-in identity, once connected. */
  get currentIdentity(): Identity | null {
    return this.identity;
  }

  /** The STUN/TURN servers the server gave this session (the latest credentials), if any. */
  get iceServers(): IceServer[] | undefined {
    return this.servers;
  }

  /** The receive slots (audio m-lines) the server announced, if it did. */
  get mediaSlots(): number | undefined {
    return this.slots;
  }

  /** The seq of the last event received (what a resume asks the server to continue from). */
  get lastSeq(): number {
    return this.session?.lastSeq ?? 0;
  }

  /**
   * Opens the connection and signs in. Network failures are retried (state
   * Reconnecting); a refused token rejects with its code.
   */
  connect(): Promise<AuthResult> {
    if (!this.stopped) {
      return Promise.reject(new EarshotError(ErrorCode.AlreadyAuthenticated, 'connect() was already called'));
    }
    this.stopped = false;
    this.setState(ConnectionState.Connecting);
    return new Promise<AuthResult>((resolve, reject) => {
      const offSession = this.on('session', (info) => {
        offSession();
        offState();
        resolve(info.auth);
      });
      const offState = this.on('state', (s, err) => {
        if (s === ConnectionState.Disconnected) {
          offSession();
          offState();
          reject(err ?? new EarshotError(ErrorCode.SessionEnded));
        }
      });
      this.kickLoop();
    });
  }

  /** Ends the session on the server and closes the socket. */
  async disconnect(): Promise<void> {
    if (this.stopped) return;
    const ws = this.ws;
    if (ws && this.state === ConnectionState.Connected) {
      try {
        await this.sendRequest(ws, 'session.close', {}, Math.min(this.opts.requestTimeoutMs, 2000));
      } catch {
        // Best effort: the server ends the session after its grace anyway.
      }
    }
    this.stopped = true;
    this.wakeLoop?.();
    this.teardownSocket(new EarshotError(ErrorCode.SessionEnded, 'disconnected'));
    this.session = null;
    this.setState(ConnectionState.Disconnected);
  }

  /** Sends a request and resolves with its response data. */
  request<T extends RequestType>(type: T, data: RequestData<T>): Promise<ResponseData<T>>;
  /** Sends a request of a type this SDK version does not model. */
  request(type: string, data: unknown): Promise<unknown>;
  request(type: string, data: unknown): Promise<unknown> {
    const ws = this.ws;
    if (!ws || this.state !== ConnectionState.Connected) {
      return Promise.reject(new EarshotError(ErrorCode.NotConnected));
    }
    return this.sendRequest(ws, type, data, this.opts.requestTimeoutMs);
  }

  /**
   * Drops the current socket as if the network had failed (the session is
   * then resumed). Used by the keepalive and handy in tests and demos.
   */
  dropConnection(): void {
    const ws = this.ws;
    if (ws) this.handleDrop(ws);
  }

  // ---- the connect / reconnect loop ----

  /** Makes sure a loop is (re)establishing the session. */
  private kickLoop(): void {
    this.loopWanted = true;
    if (!this.loopRunning) void this.runLoop();
  }

  private async runLoop(): Promise<void> {
    this.loopRunning = true;
    try {
      // A drop may arrive while the previous round is still returning:
      // loopWanted makes sure it is not missed.
      while (this.loopWanted && !this.stopped) {
        this.loopWanted = false;
        await this.establish();
      }
    } finally {
      this.loopRunning = false;
    }
  }

  /** Tries to (re)establish a session until it succeeds, a token is refused, or disconnect(). */
  private async establish(): Promise<void> {
    let attempt = 0;
    let first = !this.everConnected;
    while (!this.stopped) {
      if (!first) {
        const delay = this.opts.reconnectPolicy.nextDelayMs(attempt++);
        if (delay === null) {
          this.session = null;
          this.stopped = true;
          this.setState(ConnectionState.Disconnected, new EarshotError(ErrorCode.ConnectionLost, 'gave up reconnecting'));
          return;
        }
        await this.sleep(delay);
        if (this.stopped) return;
      }
      first = false;
      let ws: WebSocketLike;
      try {
        ws = await this.openSocket();
      } catch {
        this.urlIndex++; // that node is unreachable: try the next one
        continue;
      }
      if (this.stopped) {
        this.abandon(ws);
        return;
      }
      const resume = this.canResume();
      try {
        if (resume) {
          await this.resumeOn(ws, resume);
        } else {
          await this.authOn(ws);
        }
        return;
      } catch (e) {
        const err = e instanceof EarshotError ? e : new EarshotError(ErrorCode.Unknown, String(e));
        this.abandon(ws);
        if (resume && resumeRefusedCodes.has(err.code)) {
          // The session is gone: start a new one at once.
          this.session = null;
          attempt = 0;
          first = true;
          continue;
        }
        if (fatalAuthCodes.has(err.code)) {
          this.session = null;
          this.stopped = true;
          this.setState(ConnectionState.Disconnected, err);
          return;
        }
      }
    }
  }

  private canResume(): SessionState | null {
    const s = this.session;
    if (!s) return null;
    if (this.lastClosed && !this.lastClosed.resumable) return null;
    if (Date.now() - this.droppedAt > s.graceMs) return null;
    return s;
  }

  private async authOn(ws: WebSocketLike): Promise<void> {
    const token = await this.opts.token();
    await this.sendRequest(ws, 'auth', { token }, this.opts.requestTimeoutMs, (data) => {
      // Adopted synchronously: events replayed right after the response
      // must already count against the new session.
      const auth = data as AuthResult;
      const replaced = this.everConnected;
      this.session = { id: auth.session_id, resumeToken: auth.resume_token, graceMs: auth.resume_grace_ms, lastSeq: 0 };
      this.adopt(ws, auth);
      this.emit('session', { auth, resumed: false, replacedLostSession: replaced });
    });
  }

  private async resumeOn(ws: WebSocketLike, s: SessionState): Promise<void> {
    const token = await this.opts.token();
    await this.sendRequest(
      ws,
      'session.resume',
      { token, resume_token: s.resumeToken, last_seq: s.lastSeq },
      this.opts.requestTimeoutMs,
      (data) => {
        const res = data as ResumeResult;
        s.resumeToken = res.resume_token; // rotated on every resume
        s.graceMs = res.resume_grace_ms;
        this.adopt(ws, res);
        this.emit('session', { auth: res, resumed: true, replacedLostSession: false, recovered: res.recovered === true });
      },
    );
  }

  /** Makes ws the live socket of a signed-in session. */
  private adopt(ws: WebSocketLike, auth: AuthResult): void {
    this.ws = ws;
    this.lastClosed = null;
    this.everConnected = true;
    this.identity = auth.identity;
    this.servers = auth.ice_servers;
    if (auth.media_slots) this.slots = auth.media_slots;
    this.setState(ConnectionState.Connected);
    this.startPing(ws);
    this.scheduleRefresh(auth.identity);
  }

  /**
   * The URL to open: with several (the nodes of a cluster, any of which
   * serves any user), the current one until a socket to it fails to open,
   * then the next in turn.
   */
  private nextUrl(): string {
    const urls = typeof this.opts.url === 'string' ? [this.opts.url] : this.opts.url;
    const url = urls[this.urlIndex % urls.length];
    if (url === undefined) throw new Error('no server URL');
    return url;
  }

  private openSocket(): Promise<WebSocketLike> {
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = this.opts.webSocketFactory(this.nextUrl());
      } catch (e) {
        reject(new EarshotError(ErrorCode.ConnectionLost, String(e)));
        return;
      }
      let opened = false;
      const timer = setTimeout(() => {
        if (!opened) {
          ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
          ws.close();
          reject(new EarshotError(ErrorCode.Timeout, 'socket did not open'));
        }
      }, this.opts.requestTimeoutMs);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        this.ws = ws; // frames of this socket are now handled
        resolve(ws);
      };
      ws.onmessage = (ev) => this.handleMessage(ws, ev.data);
      ws.onerror = () => {
        // onclose follows; nothing to do here.
      };
      ws.onclose = () => {
        if (!opened) {
          clearTimeout(timer);
          reject(new EarshotError(ErrorCode.ConnectionLost, 'socket closed before opening'));
          return;
        }
        this.handleDrop(ws);
      };
    });
  }

  // ---- frames ----

  private handleMessage(ws: WebSocketLike, raw: unknown): void {
    if (ws !== this.ws || typeof raw !== 'string') return;
    let frame: ResponseFrame | EventFrame;
    try {
      frame = JSON.parse(raw) as ResponseFrame | EventFrame;
    } catch {
      return;
    }
    if (frame.v !== PROTOCOL_VERSION) return;
    if (frame.type === 'response') {
      this.handleResponse(frame as ResponseFrame);
      return;
    }
    const ev = frame as EventFrame;
    if (ev.type === 'session.closed') {
      this.lastClosed = ev.data as SessionClosed;
      this.emit('event', ev.type, ev.data, undefined);
      return;
    }
    if (typeof ev.seq === 'number' && this.session) {
      if (ev.seq <= this.session.lastSeq) return; // already seen (replayed twice)
      this.session.lastSeq = ev.seq;
    }
    this.emit('event', ev.type, ev.data, ev.seq);
  }

  private handleResponse(frame: ResponseFrame): void {
    if (!frame.id) {
      // An error about a frame whose id could not be read.
      if (frame.error) this.emit('error', new EarshotError(frame.error.code, frame.error.message));
      return;
    }
    const p = this.pending.get(frame.id);
    if (!p) return;
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.ok) {
      p.resolve(frame.data ?? {});
    } else {
      const e = frame.error ?? { code: ErrorCode.Unknown, message: 'refused without an error' };
      p.reject(new EarshotError(e.code, e.message));
    }
  }

  private sendRequest(
    ws: WebSocketLike,
    type: string,
    data: unknown,
    timeoutMs: number,
    onOkSync?: (data: unknown) => void,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (ws.readyState !== WS_OPEN) {
        reject(new EarshotError(ErrorCode.NotConnected));
        return;
      }
      const id = String(this.nextId++);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EarshotError(ErrorCode.Timeout, `${type} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        ws,
        type,
        timer,
        reject,
        resolve: (d) => {
          onOkSync?.(d);
          resolve(d);
        },
      });
      try {
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, data }));
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new EarshotError(ErrorCode.NotConnected, String(e)));
      }
    });
  }

  // ---- drops ----

  /** The live socket is gone: fail its requests and reconnect. */
  private handleDrop(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    const wasConnected = this.state === ConnectionState.Connected;
    this.teardownSocket(new EarshotError(ErrorCode.ConnectionLost));
    if (this.stopped) return;
    if (this.lastClosed?.reason === SIGNED_IN_ELSEWHERE) {
      // The desk moved to a newer session: reconnecting would take it back
      // and close that one, and the two would fight for ever.
      this.session = null;
      this.stopped = true;
      this.setState(ConnectionState.Disconnected, new EarshotError(ErrorCode.SignedInElsewhere));
      return;
    }
    if (!wasConnected) return; // the handshake's own loop deals with it
    this.droppedAt = Date.now();
    this.setState(ConnectionState.Reconnecting);
    this.kickLoop();
  }

  /** Detaches and closes a socket we no longer want, failing its requests. */
  private abandon(ws: WebSocketLike): void {
    if (this.ws === ws) this.teardownSocket(new EarshotError(ErrorCode.ConnectionLost));
    ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  private teardownSocket(reason: EarshotError): void {
    const ws = this.ws;
    this.ws = null;
    this.stopPing();
    clearTimeout(this.refreshTimer);
    for (const [id, p] of this.pending) {
      if (ws && p.ws !== ws) continue;
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(reason);
    }
    if (ws) {
      ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
      try {
        ws.close(1000);
      } catch {
        // already closed
      }
    }
  }

  // ---- keepalive and token refresh ----

  private startPing(ws: WebSocketLike): void {
    this.stopPing();
    if (this.opts.pingIntervalMs <= 0) return;
    this.pingTimer = setInterval(() => {
      if (this.ws !== ws || this.state !== ConnectionState.Connected) return;
      this.sendRequest(ws, 'ping', {}, this.opts.pingTimeoutMs).catch((err: EarshotError) => {
        // A socket that no longer answers is dead even if the browser has
        // not noticed: drop it and resume on a new one.
        if (err.code === ErrorCode.Timeout) this.handleDrop(ws);
      });
    }, this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private scheduleRefresh(identity: Identity): void {
    clearTimeout(this.refreshTimer);
    if (!identity.expires_at_ms) return;
    const delay = Math.max(5000, identity.expires_at_ms - Date.now() - this.opts.refreshBeforeExpiryMs);
    // setTimeout overflows past ~24.8 days; such tokens are refreshed on a later schedule.
    if (delay > 2 ** 31 - 1) return;
    this.refreshTimer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    try {
      const token = await this.opts.token();
      const res = await this.request('auth.refresh', { token });
      this.identity = res.identity;
      if (res.ice_servers) this.servers = res.ice_servers;
      this.emit('identity', res.identity);
      this.scheduleRefresh(res.identity);
    } catch (e) {
      this.emit('error', e instanceof EarshotError ? e : new EarshotError(ErrorCode.Unknown, String(e)));
    }
  }

  // ---- helpers ----

  private setState(s: ConnectionState, err?: EarshotError): void {
    if (this.state === s && !err) return;
    this.state = s;
    this.emit('state', s, err);
  }

  /** Waits ms, or less when disconnect() wakes the loop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        if (self.wakeLoop === done) self.wakeLoop = null;
        resolve();
      }
      this.wakeLoop = done;
    });
  }
}
