/**
 * A scripted stand-in for the Earshot server's WebSocket, for unit tests of
 * the signal layer and the client model.
 */
import type { WebSocketLike } from '../src/sdk/signal/SignalClient';

/** A request frame as the fake receives it. */
export interface Req {
  v: number;
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** What a handler returns: response data, an error, or nothing (no answer). */
export type Reply = { ok: unknown } | { error: { code: string; message: string } } | undefined;

/** One fake socket. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: Req[] = [];
  seq = 0;

  constructor(private readonly server: FakeServer) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    const req = JSON.parse(data) as Req;
    this.sent.push(req);
    this.server.handle(this, req);
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    const h = this.onclose;
    if (h) queueMicrotask(() => h({ code: 1000, reason: '' }));
  }

  /** Opens the socket (as the browser does once connected). */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Delivers a frame from the server. */
  push(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** Pushes a numbered event. */
  event(type: string, data: unknown, seq?: number): void {
    this.seq = seq ?? this.seq + 1;
    this.push({ v: 1, type, seq: this.seq, data });
  }

  /** The network breaks. */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

/** The fake server: opens sockets and answers requests through handlers. */
export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  /** Whether new sockets open (false: they fail like an unreachable server). */
  reachable = true;
  handlers: Record<string, (req: Req, sock: FakeSocket) => Reply> = {};
  sessionCounter = 0;
  resumeCounter = 0;

  constructor() {
    this.handlers.auth = () => ({ ok: this.authResult(`s${++this.sessionCounter}`) });
    this.handlers['session.resume'] = () => ({ ok: { ...this.authResult(`s${this.sessionCounter}`), resume_token: `r${++this.resumeCounter}`, replayed: 0 } });
    this.handlers.ping = () => ({ ok: {} });
    this.handlers['session.close'] = () => ({ ok: {} });
  }

  authResult(session: string): Record<string, unknown> {
    return {
      session_id: session,
      resume_token: `r${this.resumeCounter}`,
      identity: { user_id: 'alex', name: 'Alex Agent', tenant: 'demo', roles: ['agent'], teams: ['team-a'] },
      protocol: 1,
      resume_grace_ms: 30000,
    };
  }

  readonly factory = (): WebSocketLike => {
    const s = new FakeSocket(this);
    this.sockets.push(s);
    queueMicrotask(() => {
      if (this.reachable) s.open();
      else s.drop();
    });
    return s;
  };

  /** The most recent socket. */
  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket yet');
    return s;
  }

  handle(sock: FakeSocket, req: Req): void {
    const h = this.handlers[req.type];
    if (!h) {
      sock.push({ v: 1, id: req.id, type: 'response', ok: false, error: { code: 'unknown_type', message: 'unknown' } });
      return;
    }
    const reply = h(req, sock);
    if (!reply) return;
    queueMicrotask(() => {
      if (sock.readyState !== 1) return;
      if ('ok' in reply) sock.push({ v: 1, id: req.id, type: 'response', ok: true, data: reply.ok });
      else sock.push({ v: 1, id: req.id, type: 'response', ok: false, error: reply.error });
    });
  }
}

/** Resolves when cond() holds, polling microtasks and timers; fails after a deadline. */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
