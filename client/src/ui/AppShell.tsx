/**
 * Every app's frame: token hand-over, sign-in when there is none (or it was
 * refused), the client, and sign-out.
 */
import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorCode, describeError, type EarshotClient } from '../sdk';
import { forgetToken, takeToken } from './token';
import { useClient } from './useClient';
import { SignIn } from './widgets';
import './styles.css';

/** What an app component receives. */
export interface AppProps {
  client: EarshotClient;
  signOut: () => void;
}

const tokenCodes = new Set<string>([
  ErrorCode.TokenExpired,
  ErrorCode.TokenInvalid,
  ErrorCode.TokenMissing,
  ErrorCode.TokenWrongAudience,
  ErrorCode.TokenWrongIssuer,
  ErrorCode.TokenMissingClaim,
  ErrorCode.Forbidden,
]);

/**
 * Shown when the same user signed in elsewhere and took the desk: this tab
 * was closed by the server and stays closed (no reconnect fight) until the
 * user chooses to take the desk back here.
 */
function SignedInElsewhere({ app, signOut }: { app: string; signOut: () => void }) {
  return (
    <main class="signin" data-testid="signed-in-elsewhere">
      <h1>Signed in elsewhere</h1>
      <p class="notice notice-warn" role="alert">
        {describeError(ErrorCode.SignedInElsewhere)}
      </p>
      <p>Only one window at a time can hold your {app} desk. Use this one instead? The other one is then closed the same way.</p>
      <div class="button-row">
        <button type="button" class="primary" onClick={() => location.reload()}>
          Use here instead
        </button>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </div>
    </main>
  );
}

function Connected({ token, app, view, signOut }: { token: string; app: string; view: (p: AppProps) => ComponentChildren; signOut: () => void }) {
  const h = useClient(token);
  if (h.fatal?.code === ErrorCode.SignedInElsewhere) return <SignedInElsewhere app={app} signOut={signOut} />;
  if (h.fatal && tokenCodes.has(String(h.fatal.code))) {
    forgetToken(app);
    return <SignIn app={app} error={h.fatal} onToken={() => location.reload()} />;
  }
  return <>{view({ client: h.client, signOut })}</>;
}

function Shell({ app, view }: { app: string; view: (p: AppProps) => ComponentChildren }) {
  const [token, setToken] = useState(() => takeToken(app));
  const signOut = (): void => {
    forgetToken(app);
    setToken(null);
    location.href = '/';
  };
  if (!token) {
    return (
      <SignIn
        app={app}
        onToken={(t) => {
          sessionStorage.setItem(`earshot.token.${app}`, t);
          setToken(t);
        }}
      />
    );
  }
  return <Connected key={token} token={token} app={app} view={view} signOut={signOut} />;
}

/** Mounts an app into #app. */
export function mountApp(app: string, view: (p: AppProps) => ComponentChildren): void {
  const root = document.getElementById('app');
  if (root) render(<Shell app={app} view={view} />, root);
}
