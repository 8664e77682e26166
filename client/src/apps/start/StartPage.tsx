/**
 * The start page. With the embedded defaults (dev secret, demo on) the
 * server lists its demo users and hands out their tokens: pick one per role
 * and each screen opens in its own tab. Otherwise, paste a token.
 */
import { useEffect, useState } from 'preact/hooks';

interface DemoUser {
  user_id: string;
  name: string;
  roles: string[];
  teams: string[];
  screen: 'customer' | 'agent' | 'supervisor';
  token: string;
}

const screens: { id: DemoUser['screen']; title: string; what: string }[] = [
  { id: 'customer', title: 'Customer', what: 'Call or chat into the contact center.' },
  { id: 'agent', title: 'Agent', what: 'Go Ready, answer, hold, transfer, read whispers.' },
  { id: 'supervisor', title: 'Supervisor', what: 'Watch the floor; Listen, Whisper, Barge.' },
];

const href = (u: { screen: string; token: string }): string => `/${u.screen}/#token=${encodeURIComponent(u.token)}`;

export function StartPage() {
  const [users, setUsers] = useState<DemoUser[] | null>(null);
  const [demo, setDemo] = useState<'loading' | 'on' | 'off'>('loading');
  const [screen, setScreen] = useState<DemoUser['screen']>('agent');
  const [token, setToken] = useState('');

  useEffect(() => {
    fetch('/api/dev/logins', { cache: 'no-store' })
      .then(async (r) => {
        if (!r.ok) throw new Error(String(r.status));
        const body = (await r.json()) as { users: DemoUser[] };
        setUsers(body.users);
        setDemo('on');
      })
      .catch(() => setDemo('off'));
  }, []);

  return (
    <main class="start">
      <h1>Earshot</h1>
      <p class="lead">Contact-center voice and chat with supervisor Listen, Whisper and Barge.</p>
      {demo === 'loading' && <p role="status">Loading…</p>}
      {demo === 'on' && users && (
        <section aria-labelledby="demo-title">
          <h2 id="demo-title">Try it: pick a demo user for each role</h2>
          <p>Each opens in a new tab. Try a customer, an agent of team-a and a supervisor of team-a together.</p>
          <div class="role-cards">
            {screens.map((s) => (
              <section key={s.id} class="panel role-card" aria-labelledby={`role-${s.id}`}>
                <h3 id={`role-${s.id}`}>{s.title}</h3>
                <p class="muted">{s.what}</p>
                <ul>
                  {users
                    .filter((u) => u.screen === s.id)
                    .map((u) => (
                      <li key={u.user_id}>
                        <a href={href(u)} target="_blank" rel="noopener" data-user={u.user_id}>
                          {u.name}
                        </a>
                        {u.teams.length > 0 && <span class="muted"> · {u.teams.join(', ')}</span>}
                        {u.screen === 'supervisor' && (
                          <>
                            {' · '}
                            <a href={href({ screen: 'audit', token: u.token })} target="_blank" rel="noopener" aria-label={`Audit trail as ${u.name}`}>
                              audit
                            </a>
                          </>
                        )}
                      </li>
                    ))}
                </ul>
              </section>
            ))}
          </div>
          <p class="hint">Demo logins exist only with the built-in development secret; they are never offered with OIDC or with demo turned off.</p>
        </section>
      )}
      <section aria-labelledby="token-title" class="panel">
        <h2 id="token-title">{demo === 'on' ? 'Or sign in with a token' : 'Sign in with a token'}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) location.href = href({ screen, token: token.trim() });
          }}
        >
          <label for="screen">Screen</label>
          <select id="screen" value={screen} onChange={(e) => setScreen((e.target as HTMLSelectElement).value as DemoUser['screen'])}>
            {screens.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
          </select>
          <label for="tok">Login token</label>
          <textarea id="tok" rows={3} value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
          <button type="submit" disabled={!token.trim()}>
            Open
          </button>
        </form>
      </section>
    </main>
  );
}
