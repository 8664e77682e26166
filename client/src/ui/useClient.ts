/** Preact glue: one EarshotClient per page, re-rendering on every change. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { EarshotClient, EarshotEvent, type EarshotError } from '../sdk';

declare global {
  interface Window {
    /** The page's client, for debugging in the console (and the browser tests). */
    earshotClient?: EarshotClient;
  }
}

/** Connection outcome of the first sign-in. */
export interface ClientHandle {
  client: EarshotClient;
  /** Bumped on every change, so components re-render. */
  version: number;
  /** Set when signing in failed for good (e.g. an expired token). */
  fatal: EarshotError | null;
}

/**
 * ?audio=raw turns the browser's echo cancellation, noise suppression and
 * gain control off: for sources that are not a voice (a test tone, a music
 * source) that the voice processing would otherwise attenuate.
 */
function microphoneConstraints(): MediaTrackConstraints {
  const raw = new URLSearchParams(location.search).get('audio') === 'raw';
  return { echoCancellation: !raw, noiseSuppression: !raw, autoGainControl: !raw };
}

/** Creates the page's client and connects it. */
export function useClient(token: string): ClientHandle {
  const client = useMemo(() => new EarshotClient({ token, microphoneConstraints: microphoneConstraints() }), [token]);
  const [version, setVersion] = useState(0);
  const [fatal, setFatal] = useState<EarshotError | null>(null);
  useEffect(() => {
    window.earshotClient = client;
    const off = client.on(EarshotEvent.Changed, () => setVersion((v) => v + 1));
    const offState = client.on(EarshotEvent.ConnectionStateChanged, (_s, err) => {
      if (err) setFatal(err);
    });
    client.connect().catch((e: EarshotError) => setFatal(e));
    return () => {
      off();
      offState();
      void client.disconnect();
    };
  }, [client]);
  return { client, version, fatal };
}

/** A value that re-renders the component every intervalMs (timers, meters). */
export function useTick(intervalMs: number): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return n;
}
