/**
 * A client of the audit and reporting HTTP API (docs/api.yaml). The token
 * travels in the Authorization header only — never in a URL, which would end
 * up in logs. Errors are EarshotErrors with the API's code.
 */
import { EarshotError, ErrorCode } from '../errors';
import type { AuditFilters, AuditPage, AuditSummary } from './types';

/** Settings of the reporting client. */
export interface ReportingOptions {
  /** The login token (or a function returning a fresh one). */
  token: string | (() => string | Promise<string>);
  /** Server origin; default: the page's own. */
  baseUrl?: string;
  /** fetch implementation (tests). */
  fetch?: typeof fetch;
}

/** Builds the query string of a search or export. */
export function auditQuery(f: AuditFilters, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  const time = (v: Date | string | undefined): string | undefined => (v instanceof Date ? v.toISOString() : v || undefined);
  const put = (k: string, v: string | undefined): void => {
    if (v !== undefined && v.trim() !== '') q.append(k, v.trim());
  };
  put('from', time(f.from));
  put('to', time(f.to));
  put('actor', f.actor);
  put('agent', f.agent);
  put('conversation_id', f.conversationId);
  for (const a of f.actions ?? []) put('action', a);
  put('order', f.order);
  for (const [k, v] of Object.entries(extra)) put(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The reporting API client. */
export class ReportingClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ReportingOptions) {
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** One page of audit events (newest first unless filters.order is asc). */
  searchAudit(filters: AuditFilters, cursor?: string, limit = 100): Promise<AuditPage> {
    return this.getJSON<AuditPage>(`/api/v1/audit/events${auditQuery(filters, { cursor, limit: String(limit) })}`);
  }

  /** Every matching event as CSV (oldest first unless order is desc). */
  async exportAuditCsv(filters: AuditFilters): Promise<Blob> {
    const res = await this.get(`/api/v1/audit/events.csv${auditQuery(filters)}`, 'text/csv');
    return res.blob();
  }

  /** The supervision summary (default: the last 24 hours). */
  summary(from?: Date | string, to?: Date | string): Promise<AuditSummary> {
    return this.getJSON<AuditSummary>(`/api/v1/audit/summary${auditQuery({ from, to })}`);
  }

  private async getJSON<T>(path: string): Promise<T> {
    const res = await this.get(path, 'application/json');
    return (await res.json()) as T;
  }

  private async get(path: string, accept: string): Promise<Response> {
    const t = this.opts.token;
    const token = typeof t === 'string' ? t : await t();
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.opts.baseUrl ?? ''}${path}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: accept },
        cache: 'no-store',
      });
    } catch (e) {
      throw new EarshotError(ErrorCode.NotConnected, String(e), { cause: e });
    }
    if (res.ok) return res;
    let code: string = ErrorCode.Internal;
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status
    }
    throw new EarshotError(code, message);
  }
}
