package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "earshot-test"
	testAudience = "earshot"
)

func testSecret(fill byte) []byte { return []byte(strings.Repeat(string(rune('a'+fill)), 32)) }

func newTestHMAC(t *testing.T, edit func(*HMACParams)) *HMAC {
	t.Helper()
	p := HMACParams{Secret: testSecret(0), Issuer: testIssuer, Audience: testAudience, Leeway: 5 * time.Second}
	if edit != nil {
		edit(&p)
	}
	h, err := NewHMAC(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// goodHMACClaims are claims Verify accepts; tests edit a copy.
func goodHMACClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub":    "u-1",
		"name":   "Ada",
		"tenant": "acme",
		"roles":  []string{"agent"},
		"teams":  []string{"team-a"},
		"iss":    testIssuer,
		"aud":    testAudience,
		"iat":    now.Unix(),
		"nbf":    now.Unix(),
		"exp":    now.Add(time.Hour).Unix(),
	}
}

func signHS256(t *testing.T, secret []byte, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signRawHMAC builds a token by hand with any header, HMAC-SHA256 signed:
// how an attacker crafts an algorithm-confusion token.
func signRawHMAC(t *testing.T, secret []byte, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestNewHMACRejectsBadParams(t *testing.T) {
	tests := []struct {
		name string
		edit func(*HMACParams)
		want error
	}{
		{"short secret", func(p *HMACParams) { p.Secret = p.Secret[:31] }, errSecretTooShort},
		{"no secret", func(p *HMACParams) { p.Secret = nil }, errSecretTooShort},
		{"no issuer", func(p *HMACParams) { p.Issuer = "" }, errEmptyIssuer},
		{"no audience", func(p *HMACParams) { p.Audience = "" }, errEmptyAudience},
		{"negative leeway", func(p *HMACParams) { p.Leeway = -time.Second }, errNegativeLeeway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := HMACParams{Secret: testSecret(0), Issuer: testIssuer, Audience: testAudience}
			tc.edit(&p)
			if _, err := NewHMAC(p); !errors.Is(err, tc.want) {
				t.Fatalf("NewHMAC err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestHMACSecretIsCopied(t *testing.T) {
	secret := testSecret(0)
	h, err := NewHMAC(HMACParams{Secret: secret, Issuer: testIssuer, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	tok := signHS256(t, testSecret(0), goodHMACClaims())
	secret[0] ^= 0xff // the caller zeroing or reusing its buffer must not change the key
	if _, err := h.Verify(context.Background(), tok); err != nil {
		t.Fatalf("Verify after caller changed its secret buffer: %v", err)
	}
}

func TestHMACMintVerifyRoundTrip(t *testing.T) {
	h := newTestHMAC(t, nil)
	want := Identity{
		Subject: "s-1",
		Name:    "Grace Hopper",
		Tenant:  "acme",
		Roles:   []Role{RoleSupervisor, RoleAdmin},
		Teams:   []TeamID{"team-a", "team-b"},
	}
	const ttl = 10 * time.Minute
	before := time.Now()
	tok, err := h.Mint(MintParams{Identity: want, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	got, err := h.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	// exp has one-second resolution.
	if got.Expiry.Before(before.Add(ttl).Truncate(time.Second)) || got.Expiry.After(after.Add(ttl)) {
		t.Fatalf("expiry %v not within [%v, %v]", got.Expiry, before.Add(ttl), after.Add(ttl))
	}
	got.Expiry = time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip gave %+v, want %+v", got, want)
	}
}

func TestHMACMintRefuses(t *testing.T) {
	h := newTestHMAC(t, nil)
	good := Identity{Subject: "u-1", Tenant: "acme", Roles: []Role{RoleAgent}}
	tests := []struct {
		name string
		p    MintParams
		want error
	}{
		{"zero ttl", MintParams{Identity: good}, errNonPositiveTTL},
		{"negative ttl", MintParams{Identity: good, TTL: -time.Minute}, errNonPositiveTTL},
		{"no subject", MintParams{Identity: Identity{Tenant: "acme", Roles: []Role{RoleAgent}}, TTL: time.Minute}, ErrMissingClaim},
		{"no tenant", MintParams{Identity: Identity{Subject: "u-1", Roles: []Role{RoleAgent}}, TTL: time.Minute}, ErrMissingClaim},
		{"no role", MintParams{Identity: Identity{Subject: "u-1", Tenant: "acme"}, TTL: time.Minute}, ErrMissingClaim},
		{"unknown role", MintParams{Identity: Identity{Subject: "u-1", Tenant: "acme", Roles: []Role{RoleAgent, RoleUnknown}}, TTL: time.Minute}, ErrUnknownRole},
		{"out of range role", MintParams{Identity: Identity{Subject: "u-1", Tenant: "acme", Roles: []Role{Role(99)}}, TTL: time.Minute}, ErrUnknownRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := h.Mint(tc.p)
			if !errors.Is(err, tc.want) || tok != "" {
				t.Fatalf("Mint = %q, %v; want error %v", tok, err, tc.want)
			}
		})
	}
}

func TestHMACVerifyRejects(t *testing.T) {
	h := newTestHMAC(t, nil)
	secret := testSecret(0)
	now := time.Now()
	edited := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := goodHMACClaims()
		edit(c)
		return c
	}
	noneToken, err := jwt.NewWithClaims(jwt.SigningMethodNone, goodHMACClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty string", "", ErrMissingToken},
		{"garbage", "not-a-jwt", ErrTokenInvalid},
		{"three garbage segments", "a.b.c", ErrTokenInvalid},
		{"oversized", strings.Repeat("a", maxTokenBytes+1), ErrTokenInvalid},
		{"expired", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), ErrTokenExpired},
		{"not yet valid", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), ErrTokenInvalid},
		{"issued in the future", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), ErrTokenInvalid},
		{"forged with other secret", signHS256(t, testSecret(1), goodHMACClaims()), ErrTokenInvalid},
		{"tampered payload", tamperPayload(t, signHS256(t, secret, goodHMACClaims())), ErrTokenInvalid},
		{"alg none", noneToken, ErrTokenInvalid},
		{"RS256 header signed with the HS secret", signRawHMAC(t, secret, map[string]any{"alg": "RS256", "typ": "JWT"}, goodHMACClaims()), ErrTokenInvalid},
		{"HS512", mustSign(t, jwt.SigningMethodHS512, secret, goodHMACClaims()), ErrTokenInvalid},
		{"wrong audience", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), ErrWrongAudience},
		{"wrong issuer", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["iss"] = "evil" })), ErrWrongIssuer},
		{"wrong issuer and expired", signHS256(t, secret, edited(func(c jwt.MapClaims) {
			c["iss"] = "evil"
			c["exp"] = now.Add(-time.Minute).Unix()
		})), ErrWrongIssuer},
		{"missing exp", signHS256(t, secret, edited(func(c jwt.MapClaims) { delete(c, "exp") })), ErrMissingClaim},
		{"missing aud", signHS256(t, secret, edited(func(c jwt.MapClaims) { delete(c, "aud") })), ErrMissingClaim},
		{"missing sub", signHS256(t, secret, edited(func(c jwt.MapClaims) { delete(c, "sub") })), ErrMissingClaim},
		{"missing tenant", signHS256(t, secret, edited(func(c jwt.MapClaims) { delete(c, "tenant") })), ErrMissingClaim},
		{"missing roles", signHS256(t, secret, edited(func(c jwt.MapClaims) { delete(c, "roles") })), ErrMissingClaim},
		{"only unknown roles", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["roles"] = []string{"root"} })), ErrMissingClaim},
		{"roles not an array", signHS256(t, secret, edited(func(c jwt.MapClaims) { c["roles"] = 3 })), ErrTokenInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := h.Verify(context.Background(), tc.token)
			t.Logf("err: %v", err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify err = %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(id, Identity{}) {
				t.Fatalf("Verify returned identity %+v with an error", id)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatal("error text contains the token")
			}
		})
	}
}

func TestHMACVerifyLeeway(t *testing.T) {
	h := newTestHMAC(t, func(p *HMACParams) { p.Leeway = time.Minute })
	c := goodHMACClaims()
	c["exp"] = time.Now().Add(-20 * time.Second).Unix()
	c["nbf"] = time.Now().Add(20 * time.Second).Unix()
	if _, err := h.Verify(context.Background(), signHS256(t, testSecret(0), c)); err != nil {
		t.Fatalf("token within leeway refused: %v", err)
	}
}

func TestHMACVerifyKeepsKnownRoles(t *testing.T) {
	h := newTestHMAC(t, nil)
	c := goodHMACClaims()
	c["roles"] = []string{"offline_access", "Supervisor", "agent"}
	id, err := h.Verify(context.Background(), signHS256(t, testSecret(0), c))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Role{RoleSupervisor, RoleAgent}; !reflect.DeepEqual(id.Roles, want) {
		t.Fatalf("roles = %v, want %v", id.Roles, want)
	}
}

func TestHMACConcurrentVerify(t *testing.T) {
	h := newTestHMAC(t, nil)
	tok, err := h.Mint(MintParams{Identity: Identity{Subject: "u-1", Tenant: "acme", Roles: []Role{RoleAgent}}, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := h.Verify(context.Background(), tok); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func mustSign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamperPayload swaps the payload for one granting admin, keeping the
// original signature.
func tamperPayload(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	c := goodHMACClaims()
	c["roles"] = []string{"admin"}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}
