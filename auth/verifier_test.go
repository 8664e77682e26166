package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestVerifierContract runs the behaviour every Verifier shares against
// each implementation, so the signaling layer can treat them alike.
func TestVerifierContract(t *testing.T) {
	p := newTestProvider(t)
	h := newTestHMAC(t, nil)
	hmacToken, err := h.Mint(MintParams{
		Identity: Identity{Subject: "u-1", Tenant: "acme", Roles: []Role{RoleAgent}, Teams: []TeamID{"team-a"}},
		TTL:      time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	verifiers := []struct {
		name  string
		v     Verifier
		good  string
		other Verifier // trusts another issuer: must refuse good
	}{
		{"hmac", h, hmacToken, newTestHMAC(t, func(p *HMACParams) { p.Secret = testSecret(2) })},
		{"oidc", newTestOIDC(t, p, nil), p.sign(t, p.keycloakClaims()), newTestOIDC(t, newTestProvider(t), nil)},
	}
	for _, vc := range verifiers {
		t.Run(vc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			id, err := vc.v.Verify(ctx, vc.good)
			if err != nil {
				t.Fatalf("good token: %v", err)
			}
			if id.Subject == "" || id.Tenant != "acme" || len(id.Roles) != 1 || id.Expiry.IsZero() {
				t.Fatalf("good token gave %+v", id)
			}
			if _, err := vc.v.Verify(ctx, ""); !errors.Is(err, ErrMissingToken) {
				t.Fatalf("empty token: %v, want %v", err, ErrMissingToken)
			}
			for _, bad := range []string{"garbage", vc.good + "x", strings.Repeat("a", maxTokenBytes+1)} {
				if _, err := vc.v.Verify(ctx, bad); !errors.Is(err, ErrTokenInvalid) {
					t.Fatalf("bad token: %v, want %v", err, ErrTokenInvalid)
				}
			}
			_, err = vc.other.Verify(ctx, vc.good)
			if err == nil {
				t.Fatal("a verifier for another issuer accepted the token")
			}
			if strings.Contains(err.Error(), vc.good) {
				t.Fatal("error text contains the token")
			}
		})
	}
}
