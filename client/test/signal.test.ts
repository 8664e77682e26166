import { describe, expect, it } from 'vitest';
import { ConnectionState } from '../src/sdk/connectionState';
import { EarshotError, ErrorCode } from '../src/sdk/errors';
import type { ReconnectPolicy } from '../src/sdk/signal/reconnect';
import { SignalClient, type SessionInfo } from '../src/sdk/signal/SignalClient';
import { FakeServer, until } from './fakeServer';

const fast: ReconnectPolicy = { nextDelayMs: () => 1 };

function setup(over: Partial<ConstructorParameters<typeof SignalClient>[0]> = {}) {
  const server = new FakeServer();
  let token = 'tok-1';
  const client = new SignalClient({
    url: 'ws://test/ws',
    token: () => token,
    requestTimeoutMs: 1000,
    pingIntervalMs: 0,
    pingTimeoutMs: 100,
    refreshBeforeExpiryMs: 60_000,
    reconnectPolicy: fast,
    webSocketFactory: server.factory,
    ...over,
  });
  const states: ConnectionState[] = [];
  const sessions: SessionInfo[] = [];
  const events: { type: string; seq: number | undefined }[] = [];
  client.on('state', (s) => states.push(s));
  client.on('session', (s) => sessions.push(s));
  client.on('event', (type, _d, seq) => events.push({ type, seq }));
  return { server, client, states, sessions, events, setToken: (t: string) => (token = t) };
}

describe('SignalClient', () => {
  it('signs in with the token as the first frame', async () => {
    const { server, client, states } = setup();
    const auth = await client.connect();
    expect(auth.identity.user_id).toBe('alex');
    expect(server.last.sent[0]).toMatchObject({ v: 1, type: 'auth', data: { token: 'tok-1' } });
    expect(states).toEqual([ConnectionState.Connecting, ConnectionState.Connected]);
    expect(client.connectionState).toBe(ConnectionState.Connected);
  });

  it('correlates responses with requests by id, in any order', async () => {
    const { server, client } = setup();
    await client.connect();
    const held: { id: string; n: number }[] = [];
    server.handlers['x.echo'] = (req) => {
      held.push({ id: req.id, n: req.data.n as number });
      return undefined;
    };
    const a = client.request('x.echo', { n: 1 });
    const b = client.request('x.echo', { n: 2 });
    await until(() => held.length === 2);
    for (const h of [...held].reverse()) server.last.push({ v: 1, id: h.id, type: 'response', ok: true, data: { n: h.n } });
    await expect(a).resolves.toEqual({ n: 1 });
    await expect(b).resolves.toEqual({ n: 2 });
  });

  it('turns refusals into EarshotError with the server code and message', async () => {
    const { server, client } = setup();
    await client.connect();
    server.handlers['monitor.start'] = () => ({ error: { code: 'monitor_limit', message: 'at most 1 silent monitor(s)' } });
    const err = await client.request('monitor.start', { conversation_id: 'c1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EarshotError);
    expect((err as EarshotError).code).toBe(ErrorCode.MonitorLimit);
    expect((err as EarshotError).serverMessage).toBe('at most 1 silent monitor(s)');
    expect((err as EarshotError).userMessage).toMatch(/silent/);
  });

  it('times out a request that gets no answer', async () => {
    const { server, client } = setup({ requestTimeoutMs: 30 });
    await client.connect();
    server.handlers['x.never'] = () => undefined;
    await expect(client.request('x.never', {})).rejects.toMatchObject({ code: ErrorCode.Timeout });
  });

  it('refuses requests while not connected', async () => {
    const { client } = setup();
    await expect(client.request('ping', {})).rejects.toMatchObject({ code: ErrorCode.NotConnected });
  });

  it('drops events it has already seen and passes session.closed through', async () => {
    const { server, client, events } = setup();
    await client.connect();
    server.last.event('floor.agent', {}, 1);
    server.last.event('floor.agent', {}, 2);
    server.last.event('floor.agent', {}, 2);
    server.last.push({ v: 1, type: 'session.closed', data: { reason: 'shutdown', resumable: false } });
    expect(events).toEqual([
      { type: 'floor.agent', seq: 1 },
      { type: 'floor.agent', seq: 2 },
      { type: 'session.closed', seq: undefined },
    ]);
    expect(client.lastSeq).toBe(2);
  });

  it('moves to the next node of a cluster when the one it used cannot be reached, and resumes there', async () => {
    const server = new FakeServer();
    const opened: string[] = [];
    const client = new SignalClient({
      url: ['ws://node-a/ws', 'ws://node-b/ws', 'ws://node-c/ws'],
      token: () => 'tok-1',
      requestTimeoutMs: 1000,
      pingIntervalMs: 0,
      pingTimeoutMs: 100,
      refreshBeforeExpiryMs: 60_000,
      reconnectPolicy: fast,
      webSocketFactory: (url) => {
        opened.push(url);
        return server.factory();
      },
    });
    const sessions: SessionInfo[] = [];
    client.on('session', (s) => sessions.push(s));
    await client.connect();
    server.last.event('agent.state', {}, 1);
    expect(opened).toEqual(['ws://node-a/ws']);
    // node-a dies: its socket drops and it refuses new ones once.
    server.reachable = false;
    server.last.drop();
    await until(() => opened.length === 2, 'a reconnect attempt');
    server.reachable = true;
    await until(() => sessions.length === 2, 'resume on another node');
    expect(opened).toEqual(['ws://node-a/ws', 'ws://node-a/ws', 'ws://node-b/ws']);
    expect(server.last.sent[0]).toMatchObject({ type: 'session.resume', data: { last_seq: 1 } });
    expect(sessions[1]).toMatchObject({ resumed: true });
    // A later drop of a reachable node reconnects to the same one.
    server.last.drop();
    await until(() => sessions.length === 3, 'second resume');
    expect(opened.at(-1)).toBe('ws://node-b/ws');
    client.disconnect();
  });

  it('resumes after a drop with the last seq and the rotated resume token', async () => {
    const { server, client, states, sessions } = setup();
    await client.connect();
    server.handlers['x.slow'] = () => undefined;
    const pending = client.request('x.slow', {});
    server.last.event('agent.state', {}, 1);
    server.last.event('agent.state', {}, 2);
    server.last.drop();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.ConnectionLost });
    await until(() => sessions.length === 2, 'resume');
    expect(server.sockets).toHaveLength(2);
    expect(server.sockets[1]!.sent[0]).toMatchObject({ type: 'session.resume', data: { token: 'tok-1', resume_token: 'r0', last_seq: 2 } });
    expect(sessions[1]).toMatchObject({ resumed: true, replacedLostSession: false });
    expect(states).toContain(ConnectionState.Reconnecting);
    expect(client.connectionState).toBe(ConnectionState.Connected);

    // The token rotated to r1: the next resume must present it.
    server.last.drop();
    await until(() => sessions.length === 3, 'second resume');
    expect(server.sockets[2]!.sent[0]).toMatchObject({ type: 'session.resume', data: { resume_token: 'r1' } });
  });

  it('starts a new session when the resume is refused', async () => {
    const { server, client, sessions } = setup();
    await client.connect();
    server.handlers['session.resume'] = () => ({ error: { code: 'resume_failed', message: 'no' } });
    server.last.drop();
    await until(() => sessions.length === 2, 'new session');
    expect(sessions[1]).toMatchObject({ resumed: false, replacedLostSession: true });
    expect(server.last.sent[0]!.type).toBe('auth');
    expect(client.lastSeq).toBe(0);
  });

  it('does not try to resume a session the server ended', async () => {
    const { server, client, sessions } = setup();
    await client.connect();
    server.last.push({ v: 1, type: 'session.closed', data: { reason: 'shutdown', resumable: false } });
    server.last.drop();
    await until(() => sessions.length === 2, 'new session');
    expect(server.last.sent[0]!.type).toBe('auth');
    expect(sessions[1]!.replacedLostSession).toBe(true);
  });

  it('stops for good when the session was signed in elsewhere', async () => {
    const { server, client, sessions, states } = setup();
    let lastErr: EarshotError | undefined;
    client.on('state', (_s, err) => (lastErr = err ?? lastErr));
    await client.connect();
    server.last.push({ v: 1, type: 'session.closed', data: { reason: 'signed_in_elsewhere', resumable: false } });
    server.last.drop();
    await until(() => client.connectionState === ConnectionState.Disconnected, 'disconnected');
    expect(lastErr?.code).toBe(ErrorCode.SignedInElsewhere);
    expect(states).not.toContain(ConnectionState.Reconnecting);
    // The decision is taken at the drop: no reconnect loop was started
    // (it would have gone through Reconnecting), so no new socket will
    // come to take the desk back.
    expect(server.sockets).toHaveLength(1);
    expect(sessions).toHaveLength(1);
  });

  it('adopts the media slots the server announces', async () => {
    const { server, client } = setup();
    expect(client.mediaSlots).toBeUndefined();
    const base = server.authResult.bind(server);
    server.authResult = (session: string) => ({ ...base(session), media_slots: 5 });
    await client.connect();
    expect(client.mediaSlots).toBe(5);
  });

  it('keeps retrying while the server is unreachable', async () => {
    const { server, client, sessions } = setup();
    await client.connect();
    server.reachable = false;
    server.last.drop();
    await until(() => server.sockets.length >= 4, 'several attempts');
    expect(client.connectionState).toBe(ConnectionState.Reconnecting);
    server.reachable = true;
    await until(() => sessions.length === 2, 'resume');
    expect(sessions[1]!.resumed).toBe(true);
  });

  it('fails connect on a refused token without retrying', async () => {
    const { server, client, states } = setup();
    server.handlers.auth = () => ({ error: { code: 'token_expired', message: 'expired' } });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.TokenExpired });
    expect(states[states.length - 1]).toBe(ConnectionState.Disconnected);
    expect(server.sockets).toHaveLength(1);
  });

  it('treats a socket that stops answering pings as dropped', async () => {
    const { server, client, sessions } = setup({ pingIntervalMs: 10, pingTimeoutMs: 20 });
    await client.connect();
    server.handlers.ping = () => undefined; // the network silently died
    await until(() => server.sockets.length === 2, 'reconnect after ping timeout');
    server.handlers.ping = () => ({ ok: {} });
    await until(() => sessions.length === 2, 'resume');
    expect(server.sockets[1]!.sent[0]!.type).toBe('session.resume');
    await client.disconnect();
  });

  it('ends the session on disconnect and does not reconnect', async () => {
    const { server, client, states } = setup();
    await client.connect();
    await client.disconnect();
    expect(server.sockets[0]!.sent.map((r) => r.type)).toEqual(['auth', 'session.close']);
    expect(states[states.length - 1]).toBe(ConnectionState.Disconnected);
    expect(server.sockets).toHaveLength(1);
  });

  it('refreshes the token before it expires', async () => {
    const { server, client, setToken } = setup({ refreshBeforeExpiryMs: 0 });
    server.authResult = (session: string) => ({
      session_id: session,
      resume_token: 'r0',
      identity: { user_id: 'alex', name: 'Alex', tenant: 'demo', roles: ['agent'], teams: [], expires_at_ms: Date.now() + 5000 },
      protocol: 1,
      resume_grace_ms: 30000,
    });
    const refreshed: string[] = [];
    server.handlers['auth.refresh'] = (req) => {
      refreshed.push(req.data.token as string);
      return { ok: { identity: { user_id: 'alex', name: 'Alex', tenant: 'demo', roles: ['agent'], teams: [] } } };
    };
    await client.connect();
    setToken('tok-2');
    await until(() => refreshed.length === 1, 'refresh', 8000);
    expect(refreshed).toEqual(['tok-2']);
    await client.disconnect();
  }, 10_000);
});
