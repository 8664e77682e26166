package auth

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// rawIdentity is what a verifier pulled out of a token whose signature,
// issuer, audience and lifetime were already checked. Both verifiers go
// through it so that the rules for a usable identity live in one place.
type rawIdentity struct {
	subject string
	name    string
	tenant  string
	roles   []string
	teams   []string
	expiry  time.Time
}

// identity applies Earshot's rules: a subject, a tenant and at least one
// known role are required. Unknown role names are dropped rather than fatal
// because identity providers add their own (Keycloak's "offline_access").
func (r rawIdentity) identity() (Identity, error) {
	if r.subject == "" {
		return Identity{}, fmt.Errorf("no subject: %w", ErrMissingClaim)
	}
	if r.tenant == "" {
		return Identity{}, fmt.Errorf("no tenant: %w", ErrMissingClaim)
	}
	if r.hasNUL() {
		return Identity{}, fmt.Errorf("a claim holds a NUL character: %w", ErrTokenInvalid)
	}
	roles := parseRoles(r.roles)
	if len(roles) == 0 {
		return Identity{}, fmt.Errorf("no known role: %w", ErrMissingClaim)
	}
	return Identity{
		Subject: UserID(r.subject),
		Name:    r.name,
		Tenant:  TenantID(r.tenant),
		Roles:   roles,
		Teams:   parseTeams(r.teams),
		Expiry:  r.expiry,
	}, nil
}

// hasNUL reports whether a claim Earshot keeps holds a NUL character. Such
// names are refused: they cannot be stored (PostgreSQL text), and no
// identity provider issues them on purpose.
func (r rawIdentity) hasNUL() bool {
	for _, s := range append([]string{r.subject, r.name, r.tenant}, append(r.roles, r.teams...)...) {
		if strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
	return false
}

// parseRoles keeps the known roles, in token order, without duplicates.
func parseRoles(names []string) []Role {
	var roles []Role
	for _, name := range names {
		role, err := ParseRole(name)
		if err != nil || slices.Contains(roles, role) {
			continue
		}
		roles = append(roles, role)
	}
	return roles
}

// parseTeams drops empty names (they would match each other in permission
// checks) and duplicates.
func parseTeams(names []string) []TeamID {
	var teams []TeamID
	for _, name := range names {
		team := TeamID(name)
		if team == "" || slices.Contains(teams, team) {
			continue
		}
		teams = append(teams, team)
	}
	return teams
}
