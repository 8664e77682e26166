package auth

import (
	"slices"
	"time"
)

// UserID identifies a user within a tenant (the token's subject).
type UserID string

// TenantID identifies a tenant: one contact center. Nothing crosses tenants.
type TenantID string

// TeamID names a team of agents and their supervisors.
type TeamID string

// Identity is who a verified token says the caller is.
type Identity struct {
	Subject UserID
	Name    string
	Tenant  TenantID
	Roles   []Role
	Teams   []TeamID
	// Expiry is when the token stops being valid; zero means no expiry was set.
	Expiry time.Time
}

// HasRole reports whether the identity holds role r.
func (i Identity) HasRole(r Role) bool { return slices.Contains(i.Roles, r) }

// InTeam reports whether the identity belongs to team t.
func (i Identity) InTeam(t TeamID) bool { return slices.Contains(i.Teams, t) }
