/** The state of the client's connection to the server, as shown to users. */
export enum ConnectionState {
  /** Not connected and not trying (before connect, after disconnect or a fatal error). */
  Disconnected = 'disconnected',
  /** Opening the first connection and signing in. */
  Connecting = 'connecting',
  /** Signed in; requests and events flow. */
  Connected = 'connected',
  /** The connection dropped; resuming the session (or starting a new one). */
  Reconnecting = 'reconnecting',
}
