package callcenter

import (
	"context"
	"fmt"
	"strings"

	"github.com/earshot/earshot/store"
)

// Auditor makes the domain's audit events and history durable. The server
// passes a *store.Writer, which groups the writes of concurrent operations
// into few transactions.
type Auditor interface {
	// Commit returns once b is durably committed. An error means nothing of
	// b was written, and the action b records is refused.
	Commit(ctx context.Context, b store.Batch) error
	// Enqueue writes b in order without waiting: for facts that happened
	// whatever the store says (a conversation ended, so its help request was
	// cancelled and its monitors ended).
	Enqueue(b store.Batch)
}

var _ Auditor = (*store.Writer)(nil)

// AuditAction names what an audit event records. The names are stored and
// searched; they never change meaning.
type AuditAction int

// Audit actions.
const (
	AuditUnknown AuditAction = iota
	// AuditMonitorStart: a supervisor started monitoring (always in Listen);
	// details carry the reason given.
	AuditMonitorStart
	// AuditMonitorListen, AuditMonitorWhisper, AuditMonitorBarge: a
	// supervisor switched to that mode (details.from is the mode left).
	AuditMonitorListen
	AuditMonitorWhisper
	AuditMonitorBarge
	// AuditMonitorLeave: a supervisor left on request.
	AuditMonitorLeave
	// AuditMonitorEnd: a monitoring session ended without being asked to
	// (the conversation ended, the agent left, privileges were revoked, the
	// supervisor's session dropped or logged out).
	AuditMonitorEnd
	// AuditMonitorTakeOver: a supervisor took the conversation over.
	AuditMonitorTakeOver
	// AuditConversationTransfer: an agent or a barged-in supervisor
	// transferred the conversation.
	AuditConversationTransfer
	// AuditChatWhisper: a supervisor sent a chat whisper (details name the
	// message; its text is in the transcript, not in the audit trail).
	AuditChatWhisper
	// AuditHelpRaise, AuditHelpAccept, AuditHelpCancel, AuditHelpClose: the
	// help-request transitions asked for by an agent or a supervisor.
	AuditHelpRaise
	AuditHelpAccept
	AuditHelpCancel
	AuditHelpClose
	// AuditHelpAutoCancel and AuditHelpAutoClose: a help request ended
	// because its conversation was transferred or ended, or its agent left.
	AuditHelpAutoCancel
	AuditHelpAutoClose
	// AuditHelpMute: a supervisor muted or unmuted help alerts.
	AuditHelpMute
	// AuditActionAborted: an action whose event was committed could not be
	// applied after all (the world changed in between); details.aborted_id
	// names that event.
	AuditActionAborted
	// AuditMediaFailover: the node carrying a conversation's media was
	// lost; the conversation got a new media group and its parties were
	// asked to re-offer (details.legs names their roles).
	AuditMediaFailover
	// AuditConversationRestored: the node running the tenant's domain was
	// lost and this node rebuilt the conversation from its last record
	// (details: from_node, parties).
	AuditConversationRestored
	// AuditRecordingStart and AuditRecordingStop: a recording started or
	// stopped, by request or by the policy / the conversation's end
	// (actor "system"); details.recording_id names it. Every access to a
	// recording is audited by the reporting API (store.ActionRecordingAccess).
	AuditRecordingStart
	AuditRecordingStop
	// AuditPCIPause and AuditPCIResume: an agent or a barged-in supervisor
	// paused or resumed the monitor path for a payment (F7).
	AuditPCIPause
	AuditPCIResume
	// AuditPCIAutoResume: a PCI pause reached policy.pci_pause_max and the
	// server resumed it.
	AuditPCIAutoResume
	// AuditMonitorWatch and AuditMonitorUnwatch: a supervisor asked to
	// monitor an agent's next (or every) conversation, or cancelled that
	// (F17); details carry the reason given.
	AuditMonitorWatch
	AuditMonitorUnwatch
	// AuditMonitorWatchEnd: a watch ended without being cancelled (used
	// up, the supervisor's session ended, privileges were revoked).
	AuditMonitorWatchEnd
	// AuditMonitorWatchRefused: a watch could not start monitoring a
	// conversation its agent accepted; details.code says which policy.
	AuditMonitorWatchRefused
	// AuditHealthMute: a supervisor muted or unmuted call-health alerts.
	AuditHealthMute
)

var auditActionNames = [...]string{
	AuditUnknown:              "unknown",
	AuditMonitorStart:         "monitor.start",
	AuditMonitorListen:        "monitor.listen",
	AuditMonitorWhisper:       "monitor.whisper",
	AuditMonitorBarge:         "monitor.barge",
	AuditMonitorLeave:         "monitor.leave",
	AuditMonitorEnd:           "monitor.end",
	AuditMonitorTakeOver:      "monitor.take_over",
	AuditConversationTransfer: "conversation.transfer",
	AuditChatWhisper:          "chat.whisper",
	AuditHelpRaise:            "help.raise",
	AuditHelpAccept:           "help.accept",
	AuditHelpCancel:           "help.cancel",
	AuditHelpClose:            "help.close",
	AuditHelpAutoCancel:       "help.auto_cancel",
	AuditHelpAutoClose:        "help.auto_close",
	AuditHelpMute:             "help.mute",
	AuditActionAborted:        "action.aborted",
	AuditMediaFailover:        "media.failover",
	AuditConversationRestored: "conversation.restored",
	AuditRecordingStart:       "recording.start",
	AuditRecordingStop:        "recording.stop",
	AuditPCIPause:             "pci.pause",
	AuditPCIResume:            "pci.resume",
	AuditPCIAutoResume:        "pci.auto_resume",
	AuditMonitorWatch:         "monitor.watch",
	AuditMonitorUnwatch:       "monitor.unwatch",
	AuditMonitorWatchEnd:      "monitor.watch_end",
	AuditMonitorWatchRefused:  "monitor.watch_refused",
	AuditHealthMute:           "health.mute",
}

// String returns the stored name of the action.
func (a AuditAction) String() string {
	if a < 0 || int(a) >= len(auditActionNames) {
		return auditActionNames[AuditUnknown]
	}
	return auditActionNames[a]
}

// MarshalText makes actions appear by name in JSON.
func (a AuditAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseAuditAction turns a stored name into an AuditAction.
func ParseAuditAction(raw string) (AuditAction, error) {
	for a, name := range auditActionNames {
		if a != int(AuditUnknown) && strings.EqualFold(raw, name) {
			return AuditAction(a), nil
		}
	}
	return AuditUnknown, fmt.Errorf("audit action %q: %w", raw, errUnknownAuditAction)
}

// AuditActions lists every action, for documentation and validation.
func AuditActions() []AuditAction {
	out := make([]AuditAction, 0, len(auditActionNames)-1)
	for a := range auditActionNames[1:] {
		out = append(out, AuditAction(a+1))
	}
	return out
}

// modeAction is the action of switching to mode m.
func modeAction(m Mode) AuditAction {
	switch m {
	case ModeListen:
		return AuditMonitorListen
	case ModeWhisper:
		return AuditMonitorWhisper
	case ModeBarge:
		return AuditMonitorBarge
	}
	return AuditUnknown
}
