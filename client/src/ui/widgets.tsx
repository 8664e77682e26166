/** Small shared widgets: level meter, elapsed timer, icons, sign-in form. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError, floor, type EarshotError } from '../sdk';
import { useTick } from './useClient';

/** A labelled level meter, polled from read() (0..1). */
export function LevelMeter({ label, read, id }: { label: string; read: () => number; id: string }) {
  useTick(120);
  const v = Math.max(0, Math.min(1, read()));
  return (
    <div class="meter-row">
      <label for={id}>{label}</label>
      <meter id={id} min={0} max={1} low={0.92} high={0.97} optimum={0.5} value={v}>
        {Math.round(v * 100)}%
      </meter>
    </div>
  );
}

/** Time since an ISO timestamp (or ms epoch), ticking every second. */
export function Elapsed({ since, label }: { since: string | number | undefined; label?: string }) {
  useTick(1000);
  if (since === undefined || since === '') return <span>–</span>;
  const t = typeof since === 'number' ? since : Date.parse(since);
  const text = floor.formatDuration(Date.now() - t);
  return (
    <span class="elapsed" aria-label={label ? `${label} ${text}` : undefined}>
      {text}
    </span>
  );
}

/** The eye icon of monitored conversations. */
export function EyeIcon({ title }: { title: string }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="18" height="18" role="img" aria-label={title}>
      <title>{title}</title>
      <path d="M12 5C6.5 5 2.3 8.6 1 12c1.3 3.4 5.5 7 11 7s9.7-3.6 11-7c-1.3-3.4-5.5-7-11-7zm0 11.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9zm0-2.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z" fill="currentColor" />
    </svg>
  );
}

/** Shown when a page has no token: paste one, or go to the start page. */
export function SignIn({ app, onToken, error }: { app: string; onToken: (t: string) => void; error?: EarshotError | null }) {
  const [value, setValue] = useState('');
  return (
    <main class="signin">
      <h1>Sign in to the {app}</h1>
      {error && (
        <p class="notice notice-error" role="alert">
          {describeError(String(error.code))}
        </p>
      )}
      <p>
        Pick a demo user on the <a href="/">start page</a>, or paste a login token issued by your identity provider.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label for="token">Login token</label>
        <textarea id="token" rows={4} value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

/** A page header with the product name, user and status. */
export function Header({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="topbar">
      <h1 class="brand">{title}</h1>
      <div class="topbar-right">{children}</div>
    </header>
  );
}
