/**
 * Errors of the SDK: one class, EarshotError, with a stable code. Server
 * refusals keep the server's code (documented in docs/protocol.md); failures
 * that happen in the browser (microphone, WebRTC, the socket) get codes of
 * their own. UIs branch on codes and show describeError(code) to people.
 */

/** Every error code the SDK can produce: the server's and the client's own. */
export enum ErrorCode {
  // Transport (signaling) codes.
  BadFrame = 'bad_frame',
  BadRequest = 'bad_request',
  UnsupportedVersion = 'unsupported_version',
  RateLimited = 'rate_limited',
  AuthRequired = 'auth_required',
  AuthTimeout = 'auth_timeout',
  AlreadyAuthenticated = 'already_authenticated',
  TokenMissing = 'token_missing',
  TokenExpired = 'token_expired',
  TokenInvalid = 'token_invalid',
  TokenWrongAudience = 'token_wrong_audience',
  TokenWrongIssuer = 'token_wrong_issuer',
  TokenMissingClaim = 'token_missing_claim',
  IdentityMismatch = 'identity_mismatch',
  ResumeFailed = 'resume_failed',
  ResumeGap = 'resume_gap',
  Forbidden = 'forbidden',
  UnknownType = 'unknown_type',
  ShuttingDown = 'shutting_down',
  /** Cluster: the node serving the tenant is not reachable now; the client connects again. */
  NodeUnavailable = 'node_unavailable',
  Internal = 'internal',
  // Domain refusals.
  ForbiddenRole = 'forbidden_role',
  ConversationNotFound = 'conversation_not_found',
  OtherTeam = 'other_team',
  SelfMonitoring = 'self_monitoring',
  AlreadyMonitoring = 'already_monitoring',
  NotMonitoring = 'not_monitoring',
  ConversationNotActive = 'conversation_not_active',
  MonitorLimit = 'monitor_limit',
  BargeLimit = 'barge_limit',
  PolicyForbidden = 'policy_forbidden',
  ConferenceFull = 'conference_full',
  BadOffer = 'bad_offer',
  OfferRequired = 'offer_required',
  QueueNotFound = 'queue_not_found',
  AgentNotFound = 'agent_not_found',
  AgentUnavailable = 'agent_unavailable',
  TransferOtherTeam = 'transfer_other_team',
  NotParticipant = 'not_participant',
  NotAllowedInMode = 'not_allowed_in_mode',
  AlreadyInConversation = 'already_in_conversation',
  NotOffered = 'not_offered',
  NotCoached = 'not_coached',
  RecordingRequired = 'recording_required',
  MessageInvalid = 'message_invalid',
  CustomerUnavailable = 'customer_unavailable',
  MediaFailed = 'media_failed',
  BadChannel = 'bad_channel',
  BadAgentState = 'bad_agent_state',
  BadMode = 'bad_mode',
  BadState = 'bad_state',
  AuditUnavailable = 'audit_unavailable',
  HelpNotFound = 'help_not_found',
  HelpAlreadyOpen = 'help_already_open',
  HelpTaken = 'help_taken',
  HelpWrongState = 'help_wrong_state',
  AlreadyWatching = 'already_watching',
  WatchNotFound = 'watch_not_found',
  UnknownCode = 'unknown_code',
  UnknownExtension = 'unknown_extension',
  // Reporting API (HTTP, docs/api.yaml) codes.
  Unauthorized = 'unauthorized',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  TooManyEvents = 'too_many_events',
  // Client-side codes: never sent by the server.
  NotConnected = 'not_connected',
  Timeout = 'timeout',
  ConnectionLost = 'connection_lost',
  SessionEnded = 'session_ended',
  SignedInElsewhere = 'signed_in_elsewhere',
  MicrophoneDenied = 'microphone_denied',
  MicrophoneUnavailable = 'microphone_unavailable',
  WebRTCFailed = 'webrtc_failed',
  Unsupported = 'unsupported',
  Unknown = 'unknown',
}

/** Messages for people, one per code. Written for the screen, not for logs. */
const messages: Record<ErrorCode, string> = {
  [ErrorCode.BadFrame]: 'The app sent a message the server could not read. Reload the page.',
  [ErrorCode.BadRequest]: 'The request was not understood by the server.',
  [ErrorCode.UnsupportedVersion]: 'This app is out of date for the server. Reload the page.',
  [ErrorCode.RateLimited]: 'Too many actions at once. Wait a moment and try again.',
  [ErrorCode.AuthRequired]: 'You are not signed in.',
  [ErrorCode.AuthTimeout]: 'Signing in took too long. Try again.',
  [ErrorCode.AlreadyAuthenticated]: 'This connection is already signed in.',
  [ErrorCode.TokenMissing]: 'No login token was given. Sign in again.',
  [ErrorCode.TokenExpired]: 'Your login has expired. Sign in again.',
  [ErrorCode.TokenInvalid]: 'Your login token is not valid. Sign in again.',
  [ErrorCode.TokenWrongAudience]: 'Your login token was issued for another application.',
  [ErrorCode.TokenWrongIssuer]: 'Your login token was issued by an unknown identity provider.',
  [ErrorCode.TokenMissingClaim]: 'Your login token lacks your user, tenant or roles.',
  [ErrorCode.IdentityMismatch]: 'The new login token is for a different user.',
  [ErrorCode.ResumeFailed]: 'The previous session could not be resumed; a new one was started.',
  [ErrorCode.ResumeGap]: 'Too much was missed while offline; a new session was started.',
  [ErrorCode.Forbidden]: 'You are not allowed to do this.',
  [ErrorCode.UnknownType]: 'The server does not know this action. It may be an older version.',
  [ErrorCode.ShuttingDown]: 'The server is restarting. Try again in a moment.',
  [ErrorCode.NodeUnavailable]: 'A server went away. Reconnecting to another one…',
  [ErrorCode.Internal]: 'Something went wrong on the server. Try again.',
  [ErrorCode.ForbiddenRole]: 'Your role does not allow this.',
  [ErrorCode.ConversationNotFound]: 'This conversation no longer exists.',
  [ErrorCode.OtherTeam]: 'This agent is not in one of your teams.',
  [ErrorCode.SelfMonitoring]: 'You cannot monitor a conversation you take part in.',
  [ErrorCode.AlreadyMonitoring]: 'You are already monitoring this conversation.',
  [ErrorCode.NotMonitoring]: 'You are not monitoring this conversation (any more).',
  [ErrorCode.ConversationNotActive]: 'This conversation has no agent connected yet, so it cannot be monitored.',
  [ErrorCode.MonitorLimit]: 'Another supervisor is already listening silently; the limit of silent monitors is reached.',
  [ErrorCode.BargeLimit]: 'The conversation already has the maximum number of participants for a barge-in.',
  [ErrorCode.PolicyForbidden]: 'The monitoring policy does not allow this for this conversation.',
  [ErrorCode.ConferenceFull]: 'Too many people would be speaking at once; someone must leave first.',
  [ErrorCode.BadOffer]: 'Your browser’s audio setup was not accepted by the server.',
  [ErrorCode.OfferRequired]: 'A voice connection is needed for this.',
  [ErrorCode.QueueNotFound]: 'This queue does not exist.',
  [ErrorCode.AgentNotFound]: 'No agent with this user ID is known.',
  [ErrorCode.AgentUnavailable]: 'That agent is not ready to take a conversation.',
  [ErrorCode.TransferOtherTeam]: 'That agent is not in one of your teams, so the conversation cannot be transferred to them.',
  [ErrorCode.NotParticipant]: 'You are not part of this conversation.',
  [ErrorCode.NotAllowedInMode]: 'Your monitoring mode does not allow this. Barge in first.',
  [ErrorCode.AlreadyInConversation]: 'You already have a conversation open.',
  [ErrorCode.NotOffered]: 'This conversation is no longer offered to you.',
  [ErrorCode.NotCoached]: 'Talk-back works only while a supervisor is coaching you (Whisper).',
  [ErrorCode.RecordingRequired]: 'The recording policy requires this recording; it cannot be stopped.',
  [ErrorCode.MessageInvalid]: 'The message is empty or too long.',
  [ErrorCode.CustomerUnavailable]: 'The customer is not connected or already in a conversation.',
  [ErrorCode.MediaFailed]: 'The audio connection could not be set up. Try again.',
  [ErrorCode.BadChannel]: 'Unknown channel: choose voice or chat.',
  [ErrorCode.BadAgentState]: 'Agents can only choose Ready or Not Ready.',
  [ErrorCode.BadMode]: 'Modes are Listen, Whisper and Barge.',
  [ErrorCode.BadState]: 'The conversation is not in a state that allows this.',
  [ErrorCode.AuditUnavailable]: 'The audit trail cannot record this right now, so it was not done. Try again shortly.',
  [ErrorCode.HelpNotFound]: 'This help request is no longer active.',
  [ErrorCode.HelpAlreadyOpen]: 'You already have an open help request on this conversation.',
  [ErrorCode.HelpTaken]: 'Another supervisor already accepted this help request.',
  [ErrorCode.HelpWrongState]: 'The help request is not in a state that allows this.',
  [ErrorCode.AlreadyWatching]: 'You already watch this agent. Cancel that watch to change it.',
  [ErrorCode.WatchNotFound]: 'This watch is no longer pending.',
  [ErrorCode.UnknownCode]: 'No dial-pad code starts with these digits.',
  [ErrorCode.UnknownExtension]: 'No agent has this extension.',
  [ErrorCode.Unauthorized]: 'Your login is missing or no longer valid for the audit trail. Sign in again.',
  [ErrorCode.NotFound]: 'Nothing was found for this.',
  [ErrorCode.MethodNotAllowed]: 'The server does not allow this kind of request here.',
  [ErrorCode.TooManyEvents]: 'The time range holds too many events. Narrow it and try again.',
  [ErrorCode.NotConnected]: 'Not connected to the server. Waiting to reconnect…',
  [ErrorCode.Timeout]: 'The server did not answer in time. Try again.',
  [ErrorCode.ConnectionLost]: 'The connection dropped before the server answered. Check the result and try again.',
  [ErrorCode.SessionEnded]: 'Your session has ended. Reload the page to sign in again.',
  [ErrorCode.SignedInElsewhere]: 'You signed in elsewhere (another tab or device), so this one was closed.',
  [ErrorCode.MicrophoneDenied]: 'Microphone access was blocked. Allow the microphone for this site in your browser, then try again.',
  [ErrorCode.MicrophoneUnavailable]: 'No microphone was found, or it is in use by another application.',
  [ErrorCode.WebRTCFailed]: 'The audio connection failed. Check your network and try again.',
  [ErrorCode.Unsupported]: 'This browser does not support voice calls. Use a current Chrome, Edge, Firefox or Safari.',
  [ErrorCode.Unknown]: 'Something went wrong.',
};

const knownCodes = new Set<string>(Object.values(ErrorCode));

/** Reports whether code is one the SDK knows. */
export function isKnownCode(code: string): code is ErrorCode {
  return knownCodes.has(code);
}

/** A message for people for an error code; unknown codes get a generic one. */
export function describeError(code: string): string {
  return isKnownCode(code) ? messages[code] : messages[ErrorCode.Unknown];
}

/** The one error class of the SDK. */
export class EarshotError extends Error {
  /** Stable code: branch on it. Server codes are kept even when the SDK does not know them. */
  readonly code: ErrorCode | string;
  /** The server's own message (for logs and details), if any. */
  readonly serverMessage: string | undefined;

  constructor(code: ErrorCode | string, serverMessage?: string, options?: { cause?: unknown }) {
    super(serverMessage ? `${code}: ${serverMessage}` : String(code), options);
    this.name = 'EarshotError';
    this.code = code;
    this.serverMessage = serverMessage;
  }

  /** A message fit for people. */
  get userMessage(): string {
    return describeError(this.code);
  }
}

/** Wraps anything thrown into an EarshotError (keeping EarshotErrors as they are). */
export function toEarshotError(err: unknown, fallback: ErrorCode = ErrorCode.Unknown): EarshotError {
  if (err instanceof EarshotError) return err;
  return new EarshotError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
}
