package oracle

import (
	"fmt"
	"strings"
)

// Role is a party's part in a call, as the load tester plays it.
type Role int

// Roles. The order is also the index of a party within a call.
const (
	RoleUnknown Role = iota
	RoleCustomer
	RoleAgent
	RoleSupervisor
)

// numRoles sizes per-role arrays (index 0, RoleUnknown, is unused).
const numRoles = 4

var roleNames = [...]string{
	RoleUnknown:    "unknown",
	RoleCustomer:   "customer",
	RoleAgent:      "agent",
	RoleSupervisor: "supervisor",
}

// roleLetters tag payloads and chat texts compactly.
var roleLetters = [...]byte{RoleUnknown: '?', RoleCustomer: 'c', RoleAgent: 'a', RoleSupervisor: 's'}

// String returns the role's name.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return roleNames[RoleUnknown]
	}
	return roleNames[r]
}

// ParseRole parses a role name.
func ParseRole(raw string) (Role, error) {
	for i, n := range roleNames {
		if i != int(RoleUnknown) && strings.EqualFold(raw, n) {
			return Role(i), nil
		}
	}
	return RoleUnknown, fmt.Errorf("role %q: %w", raw, ErrBadRole)
}

func (r Role) valid() bool { return r > RoleUnknown && r < numRoles }

// Mode is a supervisor's monitoring mode.
type Mode int

// Modes. A monitor starts in ModeListen.
const (
	ModeUnknown Mode = iota
	ModeListen
	ModeWhisper
	ModeBarge
)

var modeNames = [...]string{ModeUnknown: "unknown", ModeListen: "listen", ModeWhisper: "whisper", ModeBarge: "barge"}

// String returns the mode's wire name.
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return modeNames[ModeUnknown]
	}
	return modeNames[m]
}

// ParseMode parses a mode's wire name.
func ParseMode(raw string) (Mode, error) {
	for i, n := range modeNames {
		if i != int(ModeUnknown) && strings.EqualFold(raw, n) {
			return Mode(i), nil
		}
	}
	return ModeUnknown, fmt.Errorf("mode %q: %w", raw, ErrBadMode)
}

// Next is the supervisor's schedule: Listen → Whisper → Barge → Listen.
func (m Mode) Next() Mode {
	switch m {
	case ModeListen:
		return ModeWhisper
	case ModeWhisper:
		return ModeBarge
	default:
		return ModeListen
	}
}
