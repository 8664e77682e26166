package callcenter

import (
	"errors"
	"fmt"
)

// Error is a refusal with a stable code that clients can act on. Every
// refusal of the domain is an *Error and leaves the state as it was.
type Error struct {
	// Code is stable and documented in docs/protocol.md.
	Code string
	// Message is for humans; it never contains chat text or secrets.
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is makes errors.Is match any refusal with the same code, so that a refusal
// with a specific message still matches its sentinel.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// refuse returns a refusal with the sentinel's code and a specific message.
func refuse(sentinel *Error, format string, args ...any) *Error {
	return &Error{Code: sentinel.Code, Message: fmt.Sprintf(format, args...)}
}

// Refusals. The codes are part of the protocol.
var (
	ErrForbiddenRole         = &Error{Code: "forbidden_role", Message: "your role does not allow this"}
	ErrConversationNotFound  = &Error{Code: "conversation_not_found", Message: "no such conversation"}
	ErrOtherTeam             = &Error{Code: "other_team", Message: "the agent is not in one of your teams"}
	ErrSelfMonitoring        = &Error{Code: "self_monitoring", Message: "you cannot monitor a conversation you take part in"}
	ErrAlreadyMonitoring     = &Error{Code: "already_monitoring", Message: "you already monitor this conversation"}
	ErrNotMonitoring         = &Error{Code: "not_monitoring", Message: "you do not monitor this conversation"}
	ErrConversationInactive  = &Error{Code: "conversation_not_active", Message: "the conversation has no agent connected"}
	ErrMonitorLimit          = &Error{Code: "monitor_limit", Message: "the conversation already has the maximum number of silent monitors"}
	ErrBargeLimit            = &Error{Code: "barge_limit", Message: "a barged conversation is limited in participants"}
	ErrPolicyForbidden       = &Error{Code: "policy_forbidden", Message: "the monitoring policy forbids this"}
	ErrConferenceFull        = &Error{Code: "conference_full", Message: "a participant would have to hear more speakers than it has audio slots"}
	ErrBadRequest            = &Error{Code: "bad_request", Message: "the request is malformed"}
	ErrBadOffer              = &Error{Code: "bad_offer", Message: "the SDP offer is not acceptable"}
	ErrOfferRequired         = &Error{Code: "offer_required", Message: "a voice leg needs an SDP offer"}
	ErrQueueNotFound         = &Error{Code: "queue_not_found", Message: "no such queue"}
	ErrAgentNotFound         = &Error{Code: "agent_not_found", Message: "no such agent"}
	ErrAgentUnavailable      = &Error{Code: "agent_unavailable", Message: "the agent is not ready"}
	ErrTransferOtherTeam     = &Error{Code: "transfer_other_team", Message: "the transfer target is in none of your teams"}
	ErrNotParticipant        = &Error{Code: "not_participant", Message: "you do not take part in this conversation"}
	ErrNotAllowedInMode      = &Error{Code: "not_allowed_in_mode", Message: "your monitoring mode does not allow this"}
	ErrAlreadyInConversation = &Error{Code: "already_in_conversation", Message: "you are already in a conversation"}
	ErrNotOffered            = &Error{Code: "not_offered", Message: "this conversation is not offered to you"}
	ErrNotCoached            = &Error{Code: "not_coached", Message: "talk-back needs a supervisor in whisper mode"}
	ErrMessageInvalid        = &Error{Code: "message_invalid", Message: "the message is empty or too long"}
	ErrMediaFailed           = &Error{Code: "media_failed", Message: "the media leg could not be set up"}
	ErrBadChannel            = &Error{Code: "bad_channel", Message: "unknown channel"}
	ErrBadAgentState         = &Error{Code: "bad_agent_state", Message: "agents choose ready or not_ready"}
	ErrBadMode               = &Error{Code: "bad_mode", Message: "modes are listen, whisper and barge"}
	ErrBadState              = &Error{Code: "bad_state", Message: "the conversation is not in a state that allows this"}
	ErrCustomerUnavailable   = &Error{Code: "customer_unavailable", Message: "the customer cannot be reached"}
	ErrShuttingDown          = &Error{Code: "shutting_down", Message: "the server is shutting down"}
	ErrAuditUnavailable      = &Error{Code: "audit_unavailable", Message: "the audit trail cannot record this action now, so it was not done"}
	ErrRecordingRequired     = &Error{Code: "recording_required", Message: "the recording policy requires this recording; it cannot be stopped"}
	ErrHelpNotFound          = &Error{Code: "help_not_found", Message: "no such active help request"}
	ErrHelpAlreadyOpen       = &Error{Code: "help_already_open", Message: "you already have an open help request on this conversation"}
	ErrHelpTaken             = &Error{Code: "help_taken", Message: "another supervisor already accepted this help request"}
	ErrHelpWrongState        = &Error{Code: "help_wrong_state", Message: "the help request is not in a state that allows this"}
	ErrAlreadyWatching       = &Error{Code: "already_watching", Message: "you already watch this agent"}
	ErrWatchNotFound         = &Error{Code: "watch_not_found", Message: "no such watch of yours"}
	ErrUnknownCode           = &Error{Code: "unknown_code", Message: "no dial-pad code starts with these digits"}
	ErrUnknownExtension      = &Error{Code: "unknown_extension", Message: "no agent has this extension"}
)

var errUnknownMode = ErrBadMode

var (
	errNoSFU              = errors.New("an SFU is required")
	errNoAuditor          = errors.New("an Auditor is required")
	errUnknownAuditAction = errors.New("unknown audit action")
	errUnknownHealthName  = errors.New("unknown call-health name")
	errUnknownHelpStatus  = errors.New("unknown help status")
)

// ErrorCode returns the stable code (signaling's Coded interface).
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage returns the human message, safe to show to clients.
func (e *Error) ErrorMessage() string { return e.Message }
