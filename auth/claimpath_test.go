package auth

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestClaimPath(t *testing.T) {
	var claims map[string]any
	// Decoded from JSON so the shapes ([]any, float64) are what verifiers see.
	raw := `{
		"tenant": "acme",
		"groups": ["/team-a", "/team-b"],
		"realm_access": {"roles": ["supervisor", "offline_access"]},
		"resource_access": {"earshot": {"roles": ["agent"]}},
		"https://example.com/roles": ["admin"],
		"https://example.com": {"team": "x"},
		"mixed": ["a", 1],
		"number": 7,
		"empty": [],
		"obj": {"deep": {"deeper": "v"}}
	}`
	if err := json.Unmarshal([]byte(raw), &claims); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		want   []string
		wantOK bool
	}{
		{"top-level string", "tenant", []string{"acme"}, true},
		{"top-level array", "groups", []string{"/team-a", "/team-b"}, true},
		{"keycloak realm roles", "realm_access.roles", []string{"supervisor", "offline_access"}, true},
		{"keycloak client roles", "resource_access.earshot.roles", []string{"agent"}, true},
		{"dotted claim name", "https://example.com/roles", []string{"admin"}, true},
		{"dotted map name", "https://example.com.team", []string{"x"}, true},
		{"three levels", "obj.deep.deeper", []string{"v"}, true},
		{"empty array", "empty", []string{}, true},
		{"missing", "nope", nil, false},
		{"missing nested", "realm_access.nope", nil, false},
		{"through a non-map", "tenant.x", nil, false},
		{"map value", "realm_access", nil, false},
		{"number", "number", nil, false},
		{"array with non-string", "mixed", nil, false},
		{"empty path", "", nil, false},
		{"leading dot", ".tenant", nil, false},
		{"trailing dot", "tenant.", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := claimPath(claims, tc.path)
			if ok != tc.wantOK || !slices.Equal(got, tc.want) {
				t.Fatalf("claimPath(%q) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
