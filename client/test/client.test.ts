import { describe, expect, it } from 'vitest';
import { EarshotClient } from '../src/sdk/EarshotClient';
import { EarshotEvent } from '../src/sdk/events';
import type { AgentView, ChatMessage, FloorConversation, SupervisorView } from '../src/sdk/protocol';
import { FakeServer, until, type Req } from './fakeServer';

function setup(roles: string[], userId = 'u1') {
  const server = new FakeServer();
  server.authResult = (session: string) => ({
    session_id: session,
    resume_token: `r${server.resumeCounter}`,
    identity: { user_id: userId, name: `User ${userId}`, tenant: 'demo', roles, teams: ['team-a'] },
    protocol: 1,
    resume_grace_ms: 30000,
  });
  const client = new EarshotClient({
    token: 'tok',
    url: 'ws://test/ws',
    webSocketFactory: server.factory,
    reconnectPolicy: { nextDelayMs: () => 1 },
    pingIntervalMs: 0,
    audioContextFactory: () => null,
  });
  const sent = (type: string): Req[] => server.sockets.flatMap((s) => s.sent.filter((r) => r.type === type));
  return { server, client, sent };
}

const agentView = (id: string, over: Partial<AgentView> = {}): AgentView => ({
  conversation_id: id,
  channel: 'chat',
  state: 'offered',
  held: false,
  muted: false,
  talk_back: false,
  queue: 'support',
  outbound: false,
  transferred: false,
  customer: { name: 'Carla', role: 'customer' },
  participants: [],
  created_at: '2025-01-01T10:00:00Z',
  ...over,
});

const row = (id: string, over: Partial<FloorConversation> = {}): FloorConversation => ({
  conversation_id: id,
  channel: 'chat',
  state: 'active',
  queue: 'support',
  team: 'team-a',
  outbound: false,
  transferred: false,
  held: false,
  agent: { user_id: 'alex', name: 'Alex' },
  customer: { user_id: 'carla', name: 'Carla' },
  created_at: '2025-01-01T10:00:00Z',
  monitors: [],
  ...over,
});

const msg = (id: string, seq: number, kind: 'public' | 'whisper', conv = 'c1'): ChatMessage => ({
  id,
  conversation_id: conv,
  seq,
  kind,
  from: { name: 'x', role: 'agent' },
  text: `text ${id}`,
  at: '2025-01-01T10:00:00Z',
});

describe('EarshotClient', () => {
  it('walks an agent through an offered chat', async () => {
    const { server, client, sent } = setup(['agent']);
    const offered: string[] = [];
    client.on(EarshotEvent.ConversationOffered, (c) => offered.push(c.id));
    await client.connect();
    server.last.event('agent.state', { user_id: 'u1', name: 'A', state: 'busy', teams: [], since: '' });
    server.last.event('conversation.offered', agentView('c1'));
    expect(offered).toEqual(['c1']);
    expect(client.conversation('c1')).toMatchObject({ offered: true, part: 'agent', channel: 'chat' });
    expect(client.agent?.state).toBe('busy');

    server.handlers['conversation.accept'] = (req) => {
      server.last.event('conversation.updated', agentView('c1', { state: 'active' }));
      return { ok: { conversation: agentView(req.data.conversation_id as string, { state: 'active' }), answer: '' } };
    };
    server.handlers['conversation.transcript'] = () => ({ ok: { messages: [msg('m1', 1, 'public')] } });
    const st = await client.accept('c1');
    expect(sent('conversation.accept')[0]!.data).toEqual({ conversation_id: 'c1' }); // no offer for chat
    expect(st).toMatchObject({ offered: false, call: null });
    await until(() => client.conversation('c1')!.messages.length === 1, 'transcript');

    server.last.event('chat.message', msg('m2', 1, 'whisper'));
    server.last.event('chat.message', msg('m1', 1, 'public')); // duplicate of the transcript's
    expect(client.conversation('c1')!.messages.map((m) => m.id)).toEqual(['m1', 'm2']);

    const ended: string[] = [];
    client.on(EarshotEvent.ConversationEnded, (_c, e) => ended.push(e.reason));
    server.last.event('conversation.ended', { conversation_id: 'c1', reason: 'customer_ended' });
    expect(ended).toEqual(['customer_ended']);
    expect(client.conversation('c1')!.ended?.reason).toBe('customer_ended');
    // A late update does not bring an ended conversation back.
    server.last.event('conversation.updated', agentView('c1', { state: 'active' }));
    expect(client.conversation('c1')!.ended).not.toBeNull();
    client.dismiss('c1');
    expect(client.conversation('c1')).toBeUndefined();
  });

  it('forgets an offer that was withdrawn', async () => {
    const { server, client } = setup(['agent']);
    await client.connect();
    server.last.event('conversation.offered', agentView('c1'));
    server.last.event('conversation.ended', { conversation_id: 'c1', reason: 'offer_withdrawn' });
    expect(client.conversations).toHaveLength(0);
  });

  it('reloads the floor when a cluster node took the session over (recovered), not on a plain resume', async () => {
    const { server, client, sent } = setup(['supervisor'], 'sam');
    server.handlers['floor.conversations'] = () => ({ ok: { conversations: [row('c1')] } });
    server.handlers['floor.agents'] = () => ({ ok: { agents: [] } });
    await client.connect();
    await until(() => client.floor.conversations.size === 1, 'floor snapshot');
    expect(sent('floor.conversations')).toHaveLength(1);

    // A plain resume: nothing was lost, nothing is reloaded.
    server.last.drop();
    await until(() => sent('session.resume').length === 1, 'resume');
    await until(() => client.connectionState === 'connected', 'connected again');
    expect(sent('floor.conversations')).toHaveLength(1);

    // The node that ran the session died; another took it over.
    server.handlers['session.resume'] = () => ({ ok: { ...server.authResult('s1'), resume_token: 'r9', replayed: 0, recovered: true } });
    server.handlers['floor.conversations'] = () => ({ ok: { conversations: [row('c2')] } });
    server.last.drop();
    await until(() => sent('floor.conversations').length === 2, 'floor reloaded after recovery');
    await until(() => client.floor.conversations.has('c2') && !client.floor.conversations.has('c1'), 'the new floor');
    client.disconnect();
  });

  it('loads the floor for supervisors and keeps it live', async () => {
    const { server, client, sent } = setup(['supervisor'], 'sam');
    server.handlers['floor.conversations'] = () => ({ ok: { conversations: [row('c1')] } });
    server.handlers['floor.agents'] = () => ({ ok: { agents: [{ user_id: 'alex', name: 'Alex', state: 'busy', teams: ['team-a'], conversation_id: 'c1', since: '' }] } });
    await client.connect();
    await until(() => client.floor.conversations.size === 1, 'floor snapshot');
    expect(client.floor.agents.get('alex')?.state).toBe('busy');
    server.last.event('floor.conversation', row('c2'));
    server.last.event('floor.conversation_removed', { conversation_id: 'c1', reason: 'customer_ended' });
    server.last.event('floor.agent', { user_id: 'bea', name: 'Bea', state: 'ready', teams: ['team-a'], since: '' });
    expect([...client.floor.conversations.keys()]).toEqual(['c2']);
    expect(client.floor.agents.size).toBe(2);

    // Monitoring a chat: no offer, the transcript is loaded, modes apply the returned view.
    const supView = (mode: SupervisorView['mode']): SupervisorView => ({ ...row('c2'), mode, monitors: [{ user_id: 'sam', name: 'Sam', mode, since: '' }] });
    server.handlers['monitor.start'] = () => ({ ok: { conversation: supView('listen'), answer: '' } });
    server.handlers['conversation.transcript'] = () => ({ ok: { messages: [msg('w1', 1, 'whisper', 'c2')] } });
    server.handlers['monitor.set_mode'] = (req) => ({ ok: { conversation: supView(req.data.mode as 'whisper'), mode: req.data.mode } });
    await client.monitor('c2', { reason: '  quality  ' });
    expect(sent('monitor.start')[0]!.data).toEqual({ conversation_id: 'c2', reason: 'quality' });
    await until(() => client.conversation('c2')!.messages.length === 1, 'transcript');
    await client.setMode('c2', 'whisper');
    expect((client.conversation('c2')!.view as SupervisorView).mode).toBe('whisper');
    // Meters follow the server's slot map, not a guess.
    expect(client.slotTable('c2')).toEqual([null, null, null]);
    server.last.event('monitor.slots', {
      conversation_id: 'c2',
      slots: [null, { party_id: 'p1', user_id: 'alex', name: 'Alex', role: 'agent' }, { party_id: 'p2', user_id: 'carla', name: 'Carla', role: 'customer' }],
    });
    expect(client.slotTable('c2')).toEqual([null, 'agent', 'customer']);
    expect(client.slotParties('c2')[2]).toMatchObject({ user_id: 'carla', role: 'customer' });

    // Take over: the view becomes an agent view and the part follows it.
    server.handlers['monitor.take_over'] = () => ({ ok: { conversation: agentView('c2', { state: 'active' }) } });
    await client.takeOver('c2');
    expect(client.conversation('c2')!.part).toBe('agent');
    expect(client.slotTable('c2')).toEqual([null, null, null]);
  });

  it('lists transfer targets and dials a customer', async () => {
    const { server, client, sent } = setup(['agent'], 'alex');
    await client.connect();
    server.handlers['conversation.transfer_targets'] = () => ({ ok: { agents: [{ user_id: 'bea', name: 'Bea', teams: ['team-a'] }] } });
    expect(await client.transferTargets('c1')).toEqual([{ user_id: 'bea', name: 'Bea', teams: ['team-a'] }]);
    expect(sent('conversation.transfer_targets')[0]!.data).toEqual({ conversation_id: 'c1' });
    server.handlers['conversation.dial'] = () => ({ ok: { conversation: agentView('c9', { outbound: true }), answer: '' } });
    const st = await client.dial('carla', 'chat');
    expect(sent('conversation.dial')[0]!.data).toEqual({ customer_id: 'carla', channel: 'chat' });
    expect(st).toMatchObject({ id: 'c9', part: 'agent' });
  });

  it('rings a customer and answers an outbound chat', async () => {
    const { server, client, sent } = setup(['customer'], 'carla');
    await client.connect();
    const rung: string[] = [];
    client.on(EarshotEvent.ConversationIncoming, (c) => rung.push(c.id));
    const cview = { conversation_id: 'c9', channel: 'chat', state: 'offered', held: false, muted: false, queue: 'outbound', participants: [{ name: 'Alex', role: 'agent' }] };
    server.last.event('conversation.incoming', cview);
    expect(rung).toEqual(['c9']);
    expect(client.conversation('c9')).toMatchObject({ part: 'customer', offered: true });
    server.handlers['conversation.answer'] = () => ({ ok: { conversation: { ...cview, state: 'active' }, answer: '' } });
    const st = await client.answer('c9');
    expect(sent('conversation.answer')[0]!.data).toEqual({ conversation_id: 'c9' });
    expect(st.offered).toBe(false);
  });

  it('closes its calls and tells the app when signed in elsewhere', async () => {
    const { server, client } = setup(['agent'], 'alex');
    await client.connect();
    server.last.event('conversation.offered', agentView('c1'));
    let told = 0;
    client.on(EarshotEvent.SignedInElsewhere, () => told++);
    server.last.push({ v: 1, type: 'session.closed', data: { reason: 'signed_in_elsewhere', resumable: false } });
    server.last.drop();
    expect(told).toBe(1);
    expect(client.conversations.filter((c) => !c.ended)).toHaveLength(0);
    await until(() => client.connectionState === 'disconnected', 'disconnected');
    expect(server.sockets).toHaveLength(1);
  });

  it('starts a customer chat and records audible joins', async () => {
    const { server, client } = setup(['customer'], 'carla');
    await client.connect();
    const cview = { conversation_id: 'c1', channel: 'chat', state: 'queued', held: false, muted: false, queue: 'support', participants: [] };
    server.handlers['conversation.start'] = (req) => {
      expect(req.data).toEqual({ queue: 'support', channel: 'chat' });
      server.last.event('conversation.updated', cview); // the update may precede the response
      return { ok: { conversation: cview, answer: '' } };
    };
    const st = await client.startChat('support');
    expect(st).toMatchObject({ part: 'customer', channel: 'chat' });
    const joined: string[] = [];
    client.on(EarshotEvent.ParticipantJoined, (id, p) => joined.push(`${id}:${p.name}`));
    server.last.event('conversation.participant_joined', { name: 'Alex', role: 'agent' });
    expect(joined).toEqual(['c1:Alex']);
    expect(client.conversation('c1')!.notices).toHaveLength(1);
  });

  it('ends everything when the session was lost and a new one started', async () => {
    const { server, client } = setup(['agent']);
    await client.connect();
    server.last.event('conversation.offered', agentView('c1', { state: 'active' }));
    server.handlers['session.resume'] = () => ({ error: { code: 'resume_failed', message: 'gone' } });
    const sessions: boolean[] = [];
    client.on(EarshotEvent.SessionStarted, (_id, info) => sessions.push(info.replacedLostSession));
    server.last.drop();
    await until(() => sessions.length === 1, 'new session');
    expect(sessions).toEqual([true]);
    expect(client.conversations).toHaveLength(0); // the offer is gone
  });

  it('passes every server event through, also unknown ones', async () => {
    const { server, client } = setup(['agent']);
    await client.connect();
    const seen: string[] = [];
    client.on(EarshotEvent.ServerEvent, (type) => seen.push(type));
    server.last.event('help.requested', { id: 'h1' });
    expect(seen).toEqual(['help.requested']);
  });
});
