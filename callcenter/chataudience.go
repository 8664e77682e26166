package callcenter

import (
	"errors"
	"fmt"
	"strings"
)

// errUnknownMessageKind is returned by ParseMessageKind. It lives here rather
// than in errors.go only because errors.go belongs to the lead; move it there
// when convenient.
var errUnknownMessageKind = errors.New("unknown message kind")

// MessageKind says which thread of a conversation a chat message belongs to,
// and so who may post it and who receives it.
type MessageKind int

// Message kinds.
const (
	MessageUnknown MessageKind = iota
	// MessagePublic is the conversation's customer-visible thread.
	MessagePublic
	// MessageWhisper is the agent/supervisor thread a customer never sees.
	MessageWhisper
)

var messageKindNames = [...]string{
	MessageUnknown: "unknown",
	MessagePublic:  "public",
	MessageWhisper: "whisper",
}

// String returns the wire name of the message kind.
func (k MessageKind) String() string {
	if k < 0 || int(k) >= len(messageKindNames) {
		return messageKindNames[MessageUnknown]
	}
	return messageKindNames[k]
}

// ParseMessageKind turns a wire name into a MessageKind.
func ParseMessageKind(raw string) (MessageKind, error) {
	for k, name := range messageKindNames {
		if k != int(MessageUnknown) && strings.EqualFold(raw, name) {
			return MessageKind(k), nil
		}
	}
	return MessageUnknown, fmt.Errorf("message kind %q: %w", raw, errUnknownMessageKind)
}

// CanPost reports whether party from may post a message of the given kind in
// state s. Public messages reach the customer, so only customers, agents and
// barged-in supervisors may post them (a silent monitor cannot message the
// customer). Whisper messages may come from agents and supervisors in any
// mode, never from a customer. Hold and mute do not matter to chat. Unknown
// senders, roles, modes and kinds may post nothing.
func CanPost(s HearState, from PartyID, kind MessageKind) bool {
	i := s.indexOf(from)
	if i < 0 {
		return false
	}
	p := s.Parties[i]
	switch kind {
	case MessagePublic:
		switch p.Role {
		case PartyCustomer, PartyAgent:
			return true
		case PartySupervisor:
			return p.Mode == ModeBarge
		}
	case MessageWhisper:
		return p.Role == PartyAgent || p.Role == PartySupervisor
	}
	return false
}

// ChatAudience returns who receives a message of the given kind posted by
// from, the sender included (so their client gets the echo), in the order of
// s.Parties. A public message reaches every party; a whisper reaches agents
// and supervisors only, never a customer. It returns nil when CanPost is
// false, so a caller that skips the CanPost check still delivers nothing.
func ChatAudience(s HearState, from PartyID, kind MessageKind) []PartyID {
	if !CanPost(s, from, kind) {
		return nil
	}
	var audience []PartyID
	for i, p := range s.Parties {
		if !s.usable(i) || !receives(p, kind) {
			continue
		}
		if audience == nil {
			audience = make([]PartyID, 0, len(s.Parties))
		}
		audience = append(audience, p.ID)
	}
	return audience
}

// receives reports whether a usable party receives messages of kind.
func receives(p Party, kind MessageKind) bool {
	switch kind {
	case MessagePublic:
		return true
	case MessageWhisper:
		return p.Role == PartyAgent || p.Role == PartySupervisor
	}
	return false
}
