/** The visible reconnect status every page shows in its header. */
import { ConnectionState, type EarshotClient } from '../sdk';

const labels: Record<ConnectionState, string> = {
  [ConnectionState.Connected]: 'Connected',
  [ConnectionState.Connecting]: 'Connecting…',
  [ConnectionState.Reconnecting]: 'Connection lost — reconnecting…',
  [ConnectionState.Disconnected]: 'Disconnected',
};

/** A status pill; announced politely when it changes. */
export function ConnectionStatus({ client }: { client: EarshotClient }) {
  const s = client.connectionState;
  return (
    <span class={`conn conn-${s}`} role="status" aria-live="polite" data-state={s}>
      <span class="conn-dot" aria-hidden="true" />
      {labels[s]}
    </span>
  );
}

/** A banner across the page while the connection is down, so nobody acts on stale state. */
export function ReconnectBanner({ client }: { client: EarshotClient }) {
  const s = client.connectionState;
  if (s === ConnectionState.Disconnected && client.identity) {
    return (
      <div class="banner banner-warn" role="alert">
        Disconnected from the server.{' '}
        <button type="button" class="link" onClick={() => location.reload()}>
          Reload to sign in again
        </button>
      </div>
    );
  }
  if (s !== ConnectionState.Reconnecting) return null;
  return (
    <div class="banner banner-warn" role="alert">
      The connection to the server dropped. Reconnecting — calls continue meanwhile; actions are paused until it is back.
    </div>
  );
}
