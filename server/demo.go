package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
)

// demoUsers are the logins printed by `make run` so a newcomer can try every
// role at once. They exist only as tokens: there is no user database.
func demoUsers() []auth.Identity {
	const t = auth.TenantID("demo")
	return []auth.Identity{
		{Subject: "carla", Name: "Carla Customer", Tenant: t, Roles: []auth.Role{auth.RoleCustomer}},
		{Subject: "chris", Name: "Chris Customer", Tenant: t, Roles: []auth.Role{auth.RoleCustomer}},
		{Subject: "alex", Name: "Alex Agent", Tenant: t, Roles: []auth.Role{auth.RoleAgent}, Teams: []auth.TeamID{"team-a"}},
		{Subject: "bea", Name: "Bea Agent", Tenant: t, Roles: []auth.Role{auth.RoleAgent}, Teams: []auth.TeamID{"team-a"}},
		{Subject: "dan", Name: "Dan Agent", Tenant: t, Roles: []auth.Role{auth.RoleAgent}, Teams: []auth.TeamID{"team-b"}},
		{Subject: "sam", Name: "Sam Supervisor", Tenant: t, Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}},
		{Subject: "sue", Name: "Sue Supervisor", Tenant: t, Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-b"}},
		{Subject: "ada", Name: "Ada Admin", Tenant: t, Roles: []auth.Role{auth.RoleAdmin, auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a", "team-b"}},
	}
}

// printDemoLogins mints a token per demo user and prints them.
func printDemoLogins(w io.Writer, h *auth.HMAC, ttl time.Duration) error {
	fmt.Fprintf(w, "Demo logins (tenant \"demo\", valid %s; first frame on /ws: {\"v\":1,\"id\":\"1\",\"type\":\"auth\",\"data\":{\"token\":\"…\"}}):\n", ttl)
	for _, u := range demoUsers() {
		tok, err := h.Mint(auth.MintParams{Identity: u, TTL: ttl})
		if err != nil {
			return fmt.Errorf("demo token for %s: %w", u.Subject, err)
		}
		role := u.Roles[0].String()
		if len(u.Roles) > 1 {
			role = u.Roles[0].String() + "+" + u.Roles[1].String()
		}
		teams := make([]string, len(u.Teams))
		for i, t := range u.Teams {
			teams[i] = string(t)
		}
		fmt.Fprintf(w, "  %-21s %-15s %-14s %s\n", role, u.Name, strings.Join(teams, ","), tok)
	}
	return nil
}
