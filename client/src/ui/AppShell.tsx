/**
 * Every app's frame: token hand-over, sign-in when there is none (or it was
 * refused), the client, and sign-out.
 */
import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorCode, type EarshotClient } from '../sdk';
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

function Connected({ token, app, view, signOut }: { token: string; app: string; view: (p: AppProps) => ComponentChildren; signOut: () => void }) {
  const h = useClient(token);
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
