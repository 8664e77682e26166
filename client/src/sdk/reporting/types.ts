/** Types of the audit and reporting HTTP API (docs/api.yaml), served under /api/v1/. */

/** Audit actions. */
export const AUDIT_ACTIONS = [
  'monitor.start',
  'monitor.listen',
  'monitor.whisper',
  'monitor.barge',
  'monitor.leave',
  'monitor.end',
  'monitor.take_over',
  'conversation.transfer',
  'chat.whisper',
  'help.raise',
  'help.accept',
  'help.cancel',
  'help.close',
  'help.auto_cancel',
  'help.auto_close',
  'help.mute',
  'action.aborted',
  'media.failover',
  'conversation.restored',
  'pci.pause',
  'pci.resume',
  'pci.auto_resume',
  'monitor.watch',
  'monitor.unwatch',
  'monitor.watch_end',
  'monitor.watch_refused',
  'retention.purge',
  'recording.start',
  'recording.stop',
  'recording.access',
] as const;

/** One audit action. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One audit event (a row of the hash chain). */
export interface AuditEvent {
  tenant: string;
  seq: number;
  id: string;
  at: string;
  actor: string;
  actor_name: string;
  role: 'supervisor' | 'agent' | 'customer' | 'admin' | 'system';
  conversation_id?: string;
  agent?: string;
  action: AuditAction | string;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Filters of the audit search and export. Empty fields are left out. */
export interface AuditFilters {
  /** Inclusive start (Date or RFC 3339). */
  from?: Date | string;
  /** Exclusive end. */
  to?: Date | string;
  actor?: string;
  agent?: string;
  conversationId?: string;
  actions?: string[];
  order?: 'asc' | 'desc';
}

/** One page of audit events. */
export interface AuditPage {
  events: AuditEvent[];
  next_cursor?: string;
}

/** The supervision summary over a time range. */
export interface AuditSummary {
  from: string;
  to: string;
  supervisors: {
    user_id: string;
    name: string;
    conversations_monitored: number;
    time_in_mode_ms: { listen?: number; whisper?: number; barge?: number };
    barges: number;
    help_accepted: number;
  }[];
  help: {
    count: number;
    accepted: number;
    median_time_to_accept_ms: number | null;
    cancelled: number;
    cancelled_share: number;
  };
}
