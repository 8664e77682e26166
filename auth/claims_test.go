package auth

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestRawIdentity(t *testing.T) {
	exp := time.Unix(1_900_000_000, 0)
	base := rawIdentity{
		subject: "u-1",
		name:    "Ada",
		tenant:  "acme",
		roles:   []string{"supervisor"},
		teams:   []string{"team-a"},
		expiry:  exp,
	}
	tests := []struct {
		name    string
		edit    func(*rawIdentity)
		want    Identity
		wantErr error
	}{
		{
			name: "complete",
			edit: func(*rawIdentity) {},
			want: Identity{Subject: "u-1", Name: "Ada", Tenant: "acme", Roles: []Role{RoleSupervisor}, Teams: []TeamID{"team-a"}, Expiry: exp},
		},
		{
			name: "unknown roles dropped, case ignored, duplicates removed",
			edit: func(r *rawIdentity) { r.roles = []string{"offline_access", "AGENT", "supervisor", "agent"} },
			want: Identity{Subject: "u-1", Name: "Ada", Tenant: "acme", Roles: []Role{RoleAgent, RoleSupervisor}, Teams: []TeamID{"team-a"}, Expiry: exp},
		},
		{
			name: "empty and duplicate teams dropped",
			edit: func(r *rawIdentity) { r.teams = []string{"", "team-a", "team-b", "team-a"} },
			want: Identity{Subject: "u-1", Name: "Ada", Tenant: "acme", Roles: []Role{RoleSupervisor}, Teams: []TeamID{"team-a", "team-b"}, Expiry: exp},
		},
		{name: "no subject", edit: func(r *rawIdentity) { r.subject = "" }, wantErr: ErrMissingClaim},
		{name: "no tenant", edit: func(r *rawIdentity) { r.tenant = "" }, wantErr: ErrMissingClaim},
		{name: "no roles", edit: func(r *rawIdentity) { r.roles = nil }, wantErr: ErrMissingClaim},
		{name: "only unknown roles", edit: func(r *rawIdentity) { r.roles = []string{"unknown", "root"} }, wantErr: ErrMissingClaim},
		{name: "NUL in the name", edit: func(r *rawIdentity) { r.name = "Ada\x00" }, wantErr: ErrTokenInvalid},
		{name: "NUL in a team", edit: func(r *rawIdentity) { r.teams = []string{"team-a", "\x00"} }, wantErr: ErrTokenInvalid},
		{name: "NUL in the subject", edit: func(r *rawIdentity) { r.subject = "u\x001" }, wantErr: ErrTokenInvalid},
		{
			name: "other control characters kept",
			edit: func(r *rawIdentity) { r.name = "Ada\x1b[2J\u202e" },
			want: Identity{Subject: "u-1", Name: "Ada\x1b[2J\u202e", Tenant: "acme", Roles: []Role{RoleSupervisor}, Teams: []TeamID{"team-a"}, Expiry: exp},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.edit(&r)
			got, err := r.identity()
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("identity = %+v, want %+v", got, tc.want)
			}
		})
	}
}
