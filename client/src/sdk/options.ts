/**
 * Options of EarshotClient. Apps pass a Partial; everything else comes from
 * defaultOptions (one place for every default).
 */
import { BackoffPolicy, type ReconnectPolicy } from './signal/reconnect';
import type { TokenProvider, WebSocketFactory, WebSocketLike } from './signal/SignalClient';
import { defaultMicrophoneConstraints } from './transport/microphone';

/** Every setting of the client. */
export interface ClientOptions {
  /**
   * WebSocket URL of the server; default: /ws on the page's own host. A
   * cluster can be given as a load-balancer URL or as the list of its
   * nodes' URLs: any node serves any user, and the client moves to the
   * next one when the one it used goes away (the session resumes there).
   */
  url: string | string[];
  /** The login token, or a function returning a fresh one (called on connect, resume and refresh). */
  token: string | TokenProvider;
  /**
   * Receive slots (audio m-lines) for servers that do not announce them.
   * The server's announcement (media_slots at sign-in) always wins.
   */
  slots: number;
  requestTimeoutMs: number;
  /** How often the client checks that the socket still answers. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Refresh the token this long before it expires. */
  refreshBeforeExpiryMs: number;
  iceGatheringTimeoutMs: number;
  rtcConfiguration: RTCConfiguration;
  microphoneConstraints: MediaTrackConstraints;
  reconnectPolicy: ReconnectPolicy;
  webSocketFactory: WebSocketFactory;
  /** Creates the AudioContext used for meters; null disables meters. */
  audioContextFactory: () => AudioContext | null;
}

/** The page's own /ws URL (ws: or wss: as the page). */
export function defaultUrl(): string {
  if (typeof location === 'undefined') return 'ws://127.0.0.1:8080/ws';
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** Fills options from the defaults. */
export function withDefaults(opts: Partial<ClientOptions> & Pick<ClientOptions, 'token'>): ClientOptions {
  return {
    url: defaultUrl(),
    slots: 3,
    requestTimeoutMs: 15_000,
    pingIntervalMs: 15_000,
    pingTimeoutMs: 10_000,
    refreshBeforeExpiryMs: 60_000,
    iceGatheringTimeoutMs: 5_000,
    rtcConfiguration: {},
    microphoneConstraints: defaultMicrophoneConstraints,
    reconnectPolicy: new BackoffPolicy(),
    // The browser WebSocket is a WebSocketLike; its handler types are only stricter.
    webSocketFactory: (url) => new WebSocket(url) as unknown as WebSocketLike,
    audioContextFactory: () => (typeof AudioContext === 'undefined' ? null : new AudioContext()),
    ...opts,
  };
}
