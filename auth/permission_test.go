package auth

import (
	"errors"
	"testing"
)

func TestCanMonitor(t *testing.T) {
	sup := Identity{Subject: "s-1", Tenant: "acme", Roles: []Role{RoleSupervisor}, Teams: []TeamID{"team-a", "team-b"}}
	with := func(edit func(*Identity)) Identity {
		id := sup
		edit(&id)
		return id
	}
	tests := []struct {
		name        string
		sup         Identity
		agentTenant TenantID
		agentTeams  []TeamID
		want        error
	}{
		{"same tenant and team", sup, "acme", []TeamID{"team-b"}, nil},
		{"one shared team among several", sup, "acme", []TeamID{"team-z", "team-a"}, nil},
		{"supervisor among other roles", with(func(i *Identity) { i.Roles = []Role{RoleAgent, RoleSupervisor} }), "acme", []TeamID{"team-a"}, nil},
		{"agent", with(func(i *Identity) { i.Roles = []Role{RoleAgent} }), "acme", []TeamID{"team-a"}, ErrNotSupervisor},
		{"customer", with(func(i *Identity) { i.Roles = []Role{RoleCustomer} }), "acme", []TeamID{"team-a"}, ErrNotSupervisor},
		{"admin without supervisor", with(func(i *Identity) { i.Roles = []Role{RoleAdmin} }), "acme", []TeamID{"team-a"}, ErrNotSupervisor},
		{"no roles", with(func(i *Identity) { i.Roles = nil }), "acme", []TeamID{"team-a"}, ErrNotSupervisor},
		{"role checked before tenant", with(func(i *Identity) { i.Roles = []Role{RoleAgent} }), "other", nil, ErrNotSupervisor},
		{"other tenant, same team name", sup, "other", []TeamID{"team-a"}, ErrOtherTenant},
		{"agent without tenant", sup, "", []TeamID{"team-a"}, ErrOtherTenant},
		{"both tenants empty", with(func(i *Identity) { i.Tenant = "" }), "", []TeamID{"team-a"}, ErrOtherTenant},
		{"no shared team", sup, "acme", []TeamID{"team-z"}, ErrOtherTeam},
		{"agent in no team", sup, "acme", nil, ErrOtherTeam},
		{"supervisor in no team", with(func(i *Identity) { i.Teams = nil }), "acme", []TeamID{"team-a"}, ErrOtherTeam},
		{"empty team names never match", with(func(i *Identity) { i.Teams = []TeamID{""} }), "acme", []TeamID{""}, ErrOtherTeam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CanMonitor(tc.sup, tc.agentTenant, tc.agentTeams)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CanMonitor = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("CanMonitor = %v, want %v", err, tc.want)
			}
		})
	}
}
