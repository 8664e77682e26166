import { describe, expect, it } from 'vitest';
import { EarshotError, ErrorCode } from '../src/sdk/errors';
import { ReportingClient, auditQuery } from '../src/sdk/reporting/ReportingClient';

describe('reporting client', () => {
  it('builds queries from filters, leaving empty ones out', () => {
    expect(auditQuery({})).toBe('');
    const q = auditQuery(
      { from: new Date('2026-03-12T09:00:00Z'), to: '', actor: ' sam ', agent: '', conversationId: 'c1', actions: ['monitor.start', 'monitor.barge'], order: 'asc' },
      { cursor: undefined, limit: '50' },
    );
    expect(q).toBe('?from=2026-03-12T09%3A00%3A00.000Z&actor=sam&conversation_id=c1&action=monitor.start&action=monitor.barge&order=asc&limit=50');
  });

  it('sends the token in the Authorization header only', async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ events: [], next_cursor: 'n2' }), { status: 200 });
    }) as unknown as typeof fetch;
    const c = new ReportingClient({ token: () => 'secret-token', baseUrl: 'http://x', fetch: fake });
    const page = await c.searchAudit({ actor: 'sam' }, 'n1', 25);
    expect(page.next_cursor).toBe('n2');
    expect(calls[0]!.url).toBe('http://x/api/v1/audit/events?actor=sam&cursor=n1&limit=25');
    expect(calls[0]!.url).not.toContain('secret-token');
    expect((calls[0]!.init!.headers as Record<string, string>).Authorization).toBe('Bearer secret-token');
  });

  it('turns API errors into EarshotErrors with their code', async () => {
    const fake = (async () => new Response(JSON.stringify({ error: { code: 'too_many_events', message: 'narrow it' } }), { status: 422 })) as unknown as typeof fetch;
    const err = await new ReportingClient({ token: 't', fetch: fake }).summary().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EarshotError);
    expect((err as EarshotError).code).toBe(ErrorCode.TooManyEvents);
    const plain = (async () => new Response('gateway down', { status: 502 })) as unknown as typeof fetch;
    await expect(new ReportingClient({ token: 't', fetch: plain }).exportAuditCsv({})).rejects.toMatchObject({ code: ErrorCode.Internal });
  });
});
