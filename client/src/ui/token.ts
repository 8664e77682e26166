/**
 * Where the apps get their login token: the start page (or an integrator's
 * login) opens an app with #token=… in the URL fragment, which never reaches
 * the server or its logs. The app moves it into sessionStorage (per tab) and
 * removes it from the address bar.
 */

const key = (app: string): string => `earshot.token.${app}`;

/**
 * Reads the token handed over in the fragment, or the one this tab already
 * holds (for app, else for one of the fallback apps: the audit page reuses
 * the supervisor console's token of the same tab).
 */
export function takeToken(app: string, ...fallback: string[]): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('token');
  if (fromHash) {
    sessionStorage.setItem(key(app), fromHash);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
  for (const a of [app, ...fallback]) {
    const t = sessionStorage.getItem(key(a));
    if (t) return t;
  }
  return null;
}

/** The token this tab holds for app, if any. */
export function peekToken(app: string): string | null {
  return sessionStorage.getItem(key(app));
}

/** Forgets the token of this tab (sign out). */
export function forgetToken(app: string): void {
  sessionStorage.removeItem(key(app));
}
