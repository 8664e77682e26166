package auth

import (
	"fmt"
	"slices"
)

// CanMonitor reports whether supervisor sup may monitor (listen, whisper,
// barge) an agent of agentTenant who belongs to agentTeams: sup must hold
// the supervisor role, be in the same tenant, and share at least one team
// (F12). It returns nil when allowed, else an error wrapping
// ErrNotSupervisor, ErrOtherTenant or ErrOtherTeam.
//
// It is pure so the domain can re-run it whenever a token is refreshed
// (F16). Rules that need conversation state, such as not monitoring a
// conversation one takes part in (F13), stay in the domain.
func CanMonitor(sup Identity, agentTenant TenantID, agentTeams []TeamID) error {
	if !sup.HasRole(RoleSupervisor) {
		return fmt.Errorf("monitor by %s: %w", sup.Subject, ErrNotSupervisor)
	}
	// An empty tenant on either side is a bug upstream; fail closed rather
	// than let two empty tenants match.
	if sup.Tenant == "" || sup.Tenant != agentTenant {
		return fmt.Errorf("monitor by %s: %w", sup.Subject, ErrOtherTenant)
	}
	for _, team := range agentTeams {
		if team != "" && slices.Contains(sup.Teams, team) {
			return nil
		}
	}
	return fmt.Errorf("monitor by %s: %w", sup.Subject, ErrOtherTeam)
}
