package auth

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// maxFuzzPathDots bounds the paths FuzzOIDCClaims tries: the reference
// resolver enumerates every way to split a path, 2^dots of them. (Paths
// are the operator's configuration, not token content.)
const maxFuzzPathDots = 10

// FuzzOIDCClaims fuzzes the claim extraction of an OIDC token: a verified
// token's claims (any JSON object a provider may send) read at fuzzed
// dotted paths. claimPath must find a value exactly when some split of the
// path into claim names leads to a string or an array of strings (a claim
// named exactly the remaining path decides alone), and return one of those; the identity built from the claims must hold only
// what the claims say: the tenant is the one value at its path, every role
// is named there, teams are stripped of the prefix, non-empty and unique.
func FuzzOIDCClaims(f *testing.F) {
	keycloak := `{"exp":1700000300,"iat":1700000000,"iss":"https://sso.example.com/realms/earshot","aud":["earshot","account"],"sub":"f1e2d3c4-0000-4000-8000-000000000001","typ":"Bearer","azp":"earshot","name":"Grace Hopper","preferred_username":"grace","tenant":"acme","realm_access":{"roles":["offline_access","uma_authorization","supervisor","default-roles-earshot"]},"resource_access":{"account":{"roles":["manage-account"]}},"groups":["/team-a","/team-b"]}`
	auth0 := `{"sub":"auth0|123","https://earshot.example.com/roles":["agent"],"https://earshot.example.com/tenant":"acme","https://earshot.example.com":{"teams":["team-a"]}}`
	for _, s := range []struct{ claims, roles, tenant string }{
		{keycloak, "realm_access.roles", "tenant"},
		{keycloak, "resource_access.account.roles", "tenant"},
		{auth0, "https://earshot.example.com/roles", "https://earshot.example.com/tenant"},
		{`{"a":{"b":{"c":"agent"}},"a.b":{"c":["supervisor"]},"t":["x","y"]}`, "a.b.c", "t"},
		{`{"roles":[["agent"]],"tenant":["acme"],"groups":["/","/a","/a",""]}`, "roles", "tenant"},
		{`{"roles":"AGENT","tenant":{"":"x"},"":{"":"y"}}`, "..", "."},
		{`{"r":{"":{"":"agent"}},"tenant":"t","groups":{"x":1}}`, "r..", "tenant"},
	} {
		f.Add([]byte(s.claims), s.roles, s.tenant)
	}
	f.Fuzz(func(t *testing.T, raw []byte, rolesPath, tenantPath string) {
		if strings.Count(rolesPath, ".") > maxFuzzPathDots || strings.Count(tenantPath, ".") > maxFuzzPathDots {
			return
		}
		var claims map[string]any
		if json.Unmarshal(raw, &claims) != nil {
			return // go-oidc refuses a token whose claims do not decode
		}
		for _, path := range []string{rolesPath, tenantPath, defaultTeamsClaim} {
			values, ok := claimPath(claims, path)
			all := resolveAll(claims, path)
			if ok != (len(all) > 0) {
				t.Fatalf("claimPath(%q) ok=%v, reference finds %d values", path, ok, len(all))
			}
			if ok && !slices.ContainsFunc(all, func(v []string) bool { return slices.Equal(v, values) }) {
				t.Fatalf("claimPath(%q) = %q, not among %q", path, values, all)
			}
		}
		o := &OIDC{rolesClaim: rolesPath, tenantClaim: tenantPath, teamsClaim: defaultTeamsClaim, nameClaim: defaultNameClaim, teamPrefix: "/"}
		id, err := o.identityOf("sub-1", time.Unix(1700000300, 0), claims)
		if err != nil {
			if !errors.Is(err, ErrMissingClaim) {
				t.Fatalf("identity error %v is not a missing claim", err)
			}
			return
		}
		checkIdentityFromClaims(t, id, claims, rolesPath, tenantPath)
	})
}

// checkIdentityFromClaims asserts that an identity holds only what its
// claims say.
func checkIdentityFromClaims(t *testing.T, id Identity, claims map[string]any, rolesPath, tenantPath string) {
	t.Helper()
	tenant, _ := claimPath(claims, tenantPath)
	if len(tenant) != 1 || string(id.Tenant) != tenant[0] || id.Tenant == "" {
		t.Fatalf("tenant %q from %q", id.Tenant, tenant)
	}
	names, _ := claimPath(claims, rolesPath)
	if len(id.Roles) == 0 {
		t.Fatal("identity without a role")
	}
	for i, r := range id.Roles {
		if slices.Contains(id.Roles[:i], r) {
			t.Fatalf("duplicate role %s", r)
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, r.String()) }) {
			t.Fatalf("role %s not among %q", r, names)
		}
	}
	for i, team := range id.Teams {
		if team == "" || slices.Contains(id.Teams[:i], team) {
			t.Fatalf("teams %q", id.Teams)
		}
	}
}

// resolveAll is the reference for claimPath: every value reached by some
// split of path into claim names (each name may contain dots), where a
// claim named exactly the rest of the path ends the search.
func resolveAll(claims map[string]any, path string) [][]string {
	var out [][]string
	if path == "" {
		return nil
	}
	if v, found := claims[path]; found {
		// A claim named exactly path is the answer, whatever its shape:
		// one of an unexpected shape must never fall through to another.
		if values, ok := claimStrings(v); ok {
			return [][]string{values}
		}
		return nil
	}
	for i := range len(path) {
		if path[i] != '.' || i == 0 {
			continue
		}
		if nested, ok := claims[path[:i]].(map[string]any); ok {
			out = append(out, resolveAll(nested, path[i+1:])...)
		}
	}
	return out
}
