/**
 * The audit page: search the tenant's audit trail with filters, page through
 * it, export it as CSV, and a supervision summary. Supervisors and admins
 * only (the API answers 403 to anyone else).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AUDIT_ACTIONS, ReportingClient, floor, type AuditEvent, type AuditFilters, type AuditSummary } from '../../sdk';
import { NoticeList, useNotices } from '../../ui/notices';
import { Header } from '../../ui/widgets';

interface Form {
  from: string;
  to: string;
  actor: string;
  agent: string;
  conversationId: string;
  actions: string[];
  order: 'asc' | 'desc';
}

const emptyForm: Form = { from: '', to: '', actor: '', agent: '', conversationId: '', actions: [], order: 'desc' };

/** datetime-local (the browser's local time) to a Date. */
const local = (v: string): Date | undefined => (v ? new Date(v) : undefined);

function toFilters(f: Form): AuditFilters {
  return { from: local(f.from), to: local(f.to), actor: f.actor, agent: f.agent, conversationId: f.conversationId, actions: f.actions, order: f.order };
}

export function AuditApp({ token, signOut }: { token: string; signOut: () => void }) {
  const api = useMemo(() => new ReportingClient({ token }), [token]);
  const notices = useNotices();
  const [form, setForm] = useState<Form>(emptyForm);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [searched, setSearched] = useState<AuditFilters>({});
  const [summary, setSummary] = useState<AuditSummary | null>(null);

  const search = async (): Promise<void> => {
    const filters = toFilters(form);
    await notices.run(async () => {
      const page = await api.searchAudit(filters);
      setEvents(page.events);
      setCursor(page.next_cursor);
      setSearched(filters);
    });
  };
  const more = (): void =>
    void notices.run(async () => {
      const page = await api.searchAudit(searched, cursor);
      setEvents((cur) => [...(cur ?? []), ...page.events]);
      setCursor(page.next_cursor);
    });
  const exportCsv = (): void =>
    void notices.run(async () => {
      const blob = await api.exportAuditCsv(toFilters(form));
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `earshot-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  useEffect(() => {
    void search();
    void notices.run(async () => setSummary(await api.summary()));
  }, [api]);

  const set = <K extends keyof Form>(k: K, v: Form[K]): void => setForm((f) => ({ ...f, [k]: v }));
  const text = (k: 'actor' | 'agent' | 'conversationId', label: string, hint: string) => (
    <div>
      <label for={`f-${k}`}>{label}</label>
      <input id={`f-${k}`} type="text" value={form[k]} placeholder={hint} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />
    </div>
  );

  return (
    <div class="app">
      <Header title="Audit trail">
        <a class="toplink" href="/supervisor/">
          Supervisor console
        </a>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </Header>
      <NoticeList notices={notices} />
      <main class="audit-main">
        {summary && <Summary s={summary} />}
        <section class="panel" aria-labelledby="filters-title">
          <h2 id="filters-title">Search</h2>
          <form
            class="audit-filters"
            onSubmit={(e) => {
              e.preventDefault();
              void search();
            }}
          >
            <div>
              <label for="f-from">From</label>
              <input id="f-from" type="datetime-local" value={form.from} onInput={(e) => set('from', (e.target as HTMLInputElement).value)} />
            </div>
            <div>
              <label for="f-to">To</label>
              <input id="f-to" type="datetime-local" value={form.to} onInput={(e) => set('to', (e.target as HTMLInputElement).value)} />
            </div>
            {text('actor', 'Actor (user ID)', 'e.g. sam')}
            {text('agent', 'Agent (user ID)', 'e.g. alex')}
            {text('conversationId', 'Conversation ID', '')}
            <div>
              <label for="f-actions">Actions</label>
              <select
                id="f-actions"
                multiple
                size={4}
                aria-describedby="f-actions-hint"
                onChange={(e) => set('actions', [...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value))}
              >
                {AUDIT_ACTIONS.map((a) => (
                  <option key={a} value={a} selected={form.actions.includes(a)}>
                    {a}
                  </option>
                ))}
              </select>
              <p id="f-actions-hint" class="hint">
                None selected: every action.
              </p>
            </div>
            <div>
              <label for="f-order">Order</label>
              <select id="f-order" value={form.order} onChange={(e) => set('order', (e.target as HTMLSelectElement).value as Form['order'])}>
                <option value="desc">Newest first</option>
                <option value="asc">Oldest first</option>
              </select>
            </div>
            <div class="button-row audit-buttons">
              <button type="submit" class="primary" disabled={notices.busy}>
                Search
              </button>
              <button type="button" disabled={notices.busy} onClick={exportCsv}>
                Export CSV
              </button>
              <button type="button" onClick={() => setForm(emptyForm)}>
                Reset filters
              </button>
            </div>
          </form>
        </section>
        <section class="panel" aria-labelledby="results-title">
          <h2 id="results-title">
            Events <span class="count">{events ? `(${events.length}${cursor ? '+' : ''})` : ''}</span>
          </h2>
          <div class="table-wrap">
            <table class="audit-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Conversation</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events?.length === 0 && (
                  <tr>
                    <td colSpan={6} class="empty">
                      No events match.
                    </td>
                  </tr>
                )}
                {events?.map((e) => (
                  <tr key={e.id} data-action={e.action}>
                    <td>{new Date(e.at).toLocaleString()}</td>
                    <td>
                      {e.actor_name || e.actor} <span class="muted">({e.role})</span>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td class="mono">{e.conversation_id ? e.conversation_id.slice(0, 8) : '–'}</td>
                    <td>{e.agent ?? '–'}</td>
                    <td class="details">{details(e.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {cursor && (
            <button type="button" disabled={notices.busy} onClick={more}>
              Load more
            </button>
          )}
        </section>
      </main>
    </div>
  );
}

function details(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

const minutes = (ms: number | undefined): string => floor.formatDuration(ms ?? 0);

function Summary({ s }: { s: AuditSummary }) {
  return (
    <section class="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">Last 24 hours</h2>
      <p>
        Help requests: {s.help.count} raised, {s.help.accepted} accepted
        {s.help.median_time_to_accept_ms !== null ? `, median time to accept ${minutes(s.help.median_time_to_accept_ms)}` : ''}, {s.help.cancelled} cancelled.
      </p>
      {s.supervisors.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Supervisor</th>
              <th scope="col">Conversations monitored</th>
              <th scope="col">Listen</th>
              <th scope="col">Whisper</th>
              <th scope="col">Barge</th>
              <th scope="col">Barges</th>
              <th scope="col">Help accepted</th>
            </tr>
          </thead>
          <tbody>
            {s.supervisors.map((x) => (
              <tr key={x.user_id}>
                <td>{x.name || x.user_id}</td>
                <td>{x.conversations_monitored}</td>
                <td>{minutes(x.time_in_mode_ms.listen)}</td>
                <td>{minutes(x.time_in_mode_ms.whisper)}</td>
                <td>{minutes(x.time_in_mode_ms.barge)}</td>
                <td>{x.barges}</td>
                <td>{x.help_accepted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
