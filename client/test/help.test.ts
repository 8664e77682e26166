import { describe, expect, it } from 'vitest';
import { EarshotClient } from '../src/sdk/EarshotClient';
import { EarshotEvent } from '../src/sdk/events';
import type { HelpRequestView } from '../src/sdk/protocol';
import { applyHelp, helpEndText, sortedHelp } from '../src/sdk/store/help';
import { FakeServer, until } from './fakeServer';

const help = (id: string, over: Partial<HelpRequestView> = {}): HelpRequestView => ({
  id,
  conversation_id: 'c1',
  channel: 'chat',
  queue: 'support',
  agent: { user_id: 'alex', name: 'Alex' },
  reason: 'refund',
  status: 'open',
  raised_at: `2026-01-01T10:00:0${id.length}Z`,
  ...over,
});

describe('help store', () => {
  it('keeps active requests only', () => {
    let m = applyHelp(new Map(), help('h1'));
    m = applyHelp(m, help('h22'));
    expect(sortedHelp(m).map((h) => h.id)).toEqual(['h1', 'h22']);
    m = applyHelp(m, help('h1', { status: 'in_progress', provided_by: { user_id: 'sam', name: 'Sam' } }));
    expect(m.get('h1')!.status).toBe('in_progress');
    m = applyHelp(m, help('h1', { status: 'closed', end_reason: 'agent' }));
    expect([...m.keys()]).toEqual(['h22']);
  });

  it('explains why a request ended', () => {
    expect(helpEndText(help('h', { status: 'closed', end_reason: 'agent' }))).toBe('The help request was closed by Alex.');
    expect(helpEndText(help('h', { status: 'cancelled', end_reason: 'conversation_ended' }))).toMatch(/cancelled: the conversation ended/);
  });
});

describe('help requests in the client', () => {
  function setup(roles: string[]) {
    const server = new FakeServer();
    server.authResult = (session: string) => ({
      session_id: session,
      resume_token: 'r0',
      identity: { user_id: 'u', name: 'U', tenant: 'demo', roles, teams: ['team-a'] },
      protocol: 1,
      resume_grace_ms: 30000,
    });
    const client = new EarshotClient({ token: 't', url: 'ws://x', webSocketFactory: server.factory, pingIntervalMs: 0, audioContextFactory: () => null });
    return { server, client };
  }

  it('loads the list after sign-in and follows events', async () => {
    const { server, client } = setup(['supervisor']);
    server.handlers['floor.conversations'] = () => ({ ok: { conversations: [] } });
    server.handlers['floor.agents'] = () => ({ ok: { agents: [] } });
    server.handlers['help.list'] = () => ({ ok: { help_requests: [help('h1')], muted: true } });
    const alerts: string[] = [];
    client.on(EarshotEvent.HelpRequested, (h) => alerts.push(h.id));
    await client.connect();
    await until(() => client.help.active.size === 1, 'help list');
    expect(client.help.muted).toBe(true);
    server.last.event('help.requested', help('h2', { conversation_id: 'c2' }));
    expect(alerts).toEqual(['h2']);
    expect(client.help.forConversation('c2')?.id).toBe('h2');

    server.handlers['help.accept'] = () => ({
      ok: {
        help_request: help('h2', { status: 'in_progress', provided_by: { user_id: 'u', name: 'U' } }),
        conversation: { conversation_id: 'c2', channel: 'chat', state: 'active', queue: 'support', team: 'team-a', outbound: false, transferred: false, held: false, created_at: '', monitors: [], help: { id: 'h2', status: 'in_progress' } },
        monitoring: false,
        controls: ['listen', 'whisper', 'barge'],
      },
    });
    const res = await client.help.accept('h2');
    expect(res.controls).toContain('whisper');
    expect(client.help.active.get('h2')!.status).toBe('in_progress');
    expect(client.floor.conversations.get('c2')!.help?.status).toBe('in_progress');

    server.last.event('help.updated', help('h2', { status: 'closed', end_reason: 'agent' }));
    expect(client.help.active.has('h2')).toBe(false);
    server.handlers['help.mute'] = (req) => ({ ok: { muted: req.data.on } });
    await client.help.mute(false);
    expect(client.help.muted).toBe(false);
  });

  it('lets an agent raise, and sends the comment only when given', async () => {
    const { server, client } = setup(['agent']);
    server.handlers['help.list'] = () => ({ ok: { help_requests: [], muted: false } });
    const sent: unknown[] = [];
    server.handlers['help.raise'] = (req) => {
      sent.push(req.data);
      return { ok: { help_request: help('h1') } };
    };
    server.handlers['help.cancel'] = () => ({ ok: { help_request: help('h1', { status: 'cancelled', end_reason: 'agent' }) } });
    await client.connect();
    await client.help.raise('c1', '  refund ', '   ');
    expect(sent).toEqual([{ conversation_id: 'c1', reason: 'refund' }]);
    expect(client.help.forConversation('c1')?.status).toBe('open');
    await client.help.cancel('h1');
    expect(client.help.active.size).toBe(0);
  });

  it('shows nothing when the server has no help requests', async () => {
    const { server, client } = setup(['agent']);
    const errors: string[] = [];
    client.on(EarshotEvent.Error, (e) => errors.push(String(e.code)));
    await client.connect(); // the fake answers help.list with unknown_type
    await until(() => server.last.sent.some((r) => r.type === 'help.list'), 'help.list');
    await client.request('ping', {}); // answered after help.list's refusal was handled
    expect(errors).toEqual([]);
  });
});
