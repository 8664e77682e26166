/**
 * Earshot client SDK. Apps use EarshotClient and its events; everything
 * else exported here is types and pure helpers for building UIs.
 */
export { EarshotClient, partOfView, type MonitorOptions, type VoiceOptions } from './EarshotClient';
export { EarshotEvent, type EarshotCallbacks } from './events';
export { ConnectionState } from './connectionState';
export { EarshotError, ErrorCode, describeError, isKnownCode, toEarshotError } from './errors';
export { withDefaults, defaultUrl, type ClientOptions } from './options';
export type { ConversationState, MyPart } from './model/conversationState';
export { VoiceCall } from './model/VoiceCall';
export { HelpRequests } from './model/HelpRequests';
export { LegState } from './transport/VoiceLeg';
export { CallAudio, type SlotAudio } from './audio/CallAudio';
export { BackoffPolicy, type ReconnectPolicy } from './signal/reconnect';
export type { TokenProvider, WebSocketFactory, WebSocketLike } from './signal/SignalClient';
export * from './protocol';
export * as floor from './store/floor';
export { thread, mergeMessages } from './store/messages';
export { applyHelp, helpActive, helpEndText, sortedHelp } from './store/help';
export { speakerLabel, slotLabel, slotKey, slotTableOf, modeLabel, type SlotTable } from './store/slotMap';
export { ReportingClient, auditQuery, type ReportingOptions } from './reporting/ReportingClient';
export { AUDIT_ACTIONS, type AuditAction, type AuditEvent, type AuditFilters, type AuditPage, type AuditSummary } from './reporting/types';
