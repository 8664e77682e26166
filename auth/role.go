package auth

import (
	"fmt"
	"strings"
)

// Role is what a user may do in Earshot. A user can hold several.
type Role int

// Roles. The zero value is RoleUnknown so that a forgotten field never
// grants anything.
const (
	RoleUnknown Role = iota
	RoleCustomer
	RoleAgent
	RoleSupervisor
	RoleAdmin
)

var roleNames = [...]string{
	RoleUnknown:    "unknown",
	RoleCustomer:   "customer",
	RoleAgent:      "agent",
	RoleSupervisor: "supervisor",
	RoleAdmin:      "admin",
}

// String returns the role's wire name ("customer", "agent", ...).
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return roleNames[RoleUnknown]
	}
	return roleNames[r]
}

// ParseRole turns a wire name into a Role. Matching ignores case so that
// identity providers that upper-case role names still work.
func ParseRole(raw string) (Role, error) {
	for r, name := range roleNames {
		if r != int(RoleUnknown) && strings.EqualFold(raw, name) {
			return Role(r), nil
		}
	}
	return RoleUnknown, fmt.Errorf("role %q: %w", raw, ErrUnknownRole)
}
