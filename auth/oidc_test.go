package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testClientID = "earshot"
	testKeyID    = "key-1"
)

// testProvider is a real local OpenID provider: discovery document and JWKS
// over HTTP, with an RSA key generated for the test.
type testProvider struct {
	srv        *httptest.Server
	key        *rsa.PrivateKey
	client     *http.Client
	jwksserved atomic.Int32
}

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testProvider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                p.srv.URL,
			"authorization_endpoint":                p.srv.URL + "/auth",
			"token_endpoint":                        p.srv.URL + "/token",
			"jwks_uri":                              p.srv.URL + "/jwks",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		p.jwksserved.Add(1)
		pub := &key.PublicKey
		writeJSON(w, map[string]any{"keys": []map[string]any{{
			"kty": "RSA",
			"kid": testKeyID,
			"use": "sig",
			"alg": "RS256",
			"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	p.srv = httptest.NewServer(mux)
	transport := &http.Transport{}
	p.client = &http.Client{Transport: transport, Timeout: 20 * time.Second}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		p.srv.Close()
	})
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// keycloakClaims are shaped like a Keycloak access token with a tenant
// attribute mapper, the group membership mapper and an audience mapper.
func (p *testProvider) keycloakClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":                p.srv.URL,
		"aud":                []string{testClientID, "account"},
		"azp":                testClientID,
		"sub":                "f1e2d3c4-0000-4000-8000-000000000001",
		"exp":                now.Add(5 * time.Minute).Unix(),
		"iat":                now.Unix(),
		"typ":                "Bearer",
		"name":               "Grace Hopper",
		"preferred_username": "grace",
		"tenant":             "acme",
		"realm_access": map[string]any{
			"roles": []string{"offline_access", "uma_authorization", "supervisor", "default-roles-earshot"},
		},
		"resource_access": map[string]any{
			"account": map[string]any{"roles": []string{"manage-account"}},
		},
		"groups": []string{"/team-a", "/team-b"},
	}
}

func (p *testProvider) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	return signRS256(t, p.key, testKeyID, claims)
}

func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestOIDC(t *testing.T, p *testProvider, edit func(*OIDCParams)) *OIDC {
	t.Helper()
	params := OIDCParams{IssuerURL: p.srv.URL, Audience: testClientID, TeamPrefix: "/", HTTPClient: p.client}
	if edit != nil {
		edit(&params)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o, err := NewOIDC(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOIDCVerifyKeycloakToken(t *testing.T) {
	p := newTestProvider(t)
	o := newTestOIDC(t, p, nil)
	claims := p.keycloakClaims()
	id, err := o.Verify(context.Background(), p.sign(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{
		Subject: "f1e2d3c4-0000-4000-8000-000000000001",
		Name:    "Grace Hopper",
		Tenant:  "acme",
		Roles:   []Role{RoleSupervisor},
		Teams:   []TeamID{"team-a", "team-b"},
		Expiry:  time.Unix(claims["exp"].(int64), 0),
	}
	if !id.Expiry.Equal(want.Expiry) {
		t.Fatalf("expiry %v, want %v", id.Expiry, want.Expiry)
	}
	id.Expiry, want.Expiry = time.Time{}, time.Time{}
	if !reflect.DeepEqual(id, want) {
		t.Fatalf("identity %+v, want %+v", id, want)
	}

	// Keys are cached: a second token costs no fetch.
	fetches := p.jwksserved.Load()
	if _, err := o.Verify(context.Background(), p.sign(t, p.keycloakClaims())); err != nil {
		t.Fatal(err)
	}
	if got := p.jwksserved.Load(); got != fetches {
		t.Fatalf("JWKS fetched %d times for two tokens, want %d", got, fetches)
	}
}

func TestOIDCCustomClaimPaths(t *testing.T) {
	p := newTestProvider(t)
	o := newTestOIDC(t, p, func(params *OIDCParams) {
		params.RolesClaim = "resource_access.earshot.roles"
		params.TeamsClaim = "https://earshot.example/teams"
		params.TenantClaim = "org.id"
		params.NameClaim = "preferred_username"
		params.TeamPrefix = "team:"
	})
	claims := p.keycloakClaims()
	claims["resource_access"] = map[string]any{"earshot": map[string]any{"roles": []string{"agent"}}}
	claims["https://earshot.example/teams"] = []string{"team:red", "blue"}
	claims["org"] = map[string]any{"id": "globex"}
	id, err := o.Verify(context.Background(), p.sign(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	if id.Name != "grace" || id.Tenant != "globex" ||
		!reflect.DeepEqual(id.Roles, []Role{RoleAgent}) ||
		!reflect.DeepEqual(id.Teams, []TeamID{"red", "blue"}) {
		t.Fatalf("identity %+v", id)
	}
}

func TestOIDCVerifyRejects(t *testing.T) {
	p := newTestProvider(t)
	o := newTestOIDC(t, p, nil)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edited := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := p.keycloakClaims()
		edit(c)
		return c
	}
	// The public key as an HMAC secret: the classic algorithm-confusion attack.
	pubDER, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hsToken := jwt.NewWithClaims(jwt.SigningMethodHS256, p.keycloakClaims())
	hsToken.Header["kid"] = testKeyID
	hsSigned, err := hsToken.SignedString(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	noneToken, err := jwt.NewWithClaims(jwt.SigningMethodNone, p.keycloakClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrMissingToken},
		{"garbage", "garbage", ErrTokenInvalid},
		{"oversized", strings.Repeat("a", maxTokenBytes+1), ErrTokenInvalid},
		{"expired", p.sign(t, edited(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), ErrTokenExpired},
		{"no exp", p.sign(t, edited(func(c jwt.MapClaims) { delete(c, "exp") })), ErrMissingClaim},
		{"not yet valid", p.sign(t, edited(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), ErrTokenInvalid},
		{"wrong audience", p.sign(t, edited(func(c jwt.MapClaims) { c["aud"] = []string{"account"} })), ErrWrongAudience},
		{"wrong issuer", p.sign(t, edited(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), ErrWrongIssuer},
		{"forged, same kid", signRS256(t, otherKey, testKeyID, p.keycloakClaims()), ErrTokenInvalid},
		{"forged, unknown kid", signRS256(t, otherKey, "key-2", p.keycloakClaims()), ErrTokenInvalid},
		{"HS256 signed with the public key", hsSigned, ErrTokenInvalid},
		{"alg none", noneToken, ErrTokenInvalid},
		{"missing tenant", p.sign(t, edited(func(c jwt.MapClaims) { delete(c, "tenant") })), ErrMissingClaim},
		{"two tenants", p.sign(t, edited(func(c jwt.MapClaims) { c["tenant"] = []string{"acme", "globex"} })), ErrMissingClaim},
		{"missing sub", p.sign(t, edited(func(c jwt.MapClaims) { delete(c, "sub") })), ErrMissingClaim},
		{"no known role", p.sign(t, edited(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []string{"offline_access"}}
		})), ErrMissingClaim},
		{"roles of the wrong shape", p.sign(t, edited(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": map[string]any{"supervisor": true}}
		})), ErrMissingClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			id, err := o.Verify(ctx, tc.token)
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

func TestOIDCVerifyCanceledContext(t *testing.T) {
	p := newTestProvider(t)
	o := newTestOIDC(t, p, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A token signed by an unseen key forces a key fetch, which ctx cuts off.
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.Verify(ctx, signRS256(t, other, "key-new", p.keycloakClaims()))
	if !errors.Is(err, ErrTokenInvalid) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify err = %v, want ErrTokenInvalid and context.Canceled", err)
	}
}

func TestNewOIDCRejects(t *testing.T) {
	p := newTestProvider(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	tests := []struct {
		name    string
		params  OIDCParams
		wantErr error
	}{
		{"no issuer", OIDCParams{Audience: testClientID}, errEmptyIssuer},
		{"no audience", OIDCParams{IssuerURL: p.srv.URL}, errEmptyAudience},
		// Discovery says p.srv.URL; the configured issuer must match exactly.
		{"issuer mismatch", OIDCParams{IssuerURL: p.srv.URL + "/", Audience: testClientID, HTTPClient: p.client}, nil},
		{"no discovery document", OIDCParams{IssuerURL: p.srv.URL + "/realms/none", Audience: testClientID, HTTPClient: p.client}, nil},
		{"provider down", OIDCParams{IssuerURL: downURL, Audience: testClientID, HTTPClient: p.client}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			o, err := NewOIDC(ctx, tc.params)
			if err == nil || o != nil {
				t.Fatalf("NewOIDC = %v, %v; want an error", o, err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("NewOIDC err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestOIDCNoGoroutineLeak checks that verifying (including a background key
// fetch) leaves nothing running once the provider and client are closed.
func TestOIDCNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("verify", func(t *testing.T) {
		p := newTestProvider(t)
		o := newTestOIDC(t, p, nil)
		if _, err := o.Verify(context.Background(), p.sign(t, p.keycloakClaims())); err != nil {
			t.Fatal(err)
		}
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Verify(context.Background(), signRS256(t, other, "key-x", p.keycloakClaims())); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("forged token: %v", err)
		}
	})
	waitGoroutines(t, before, 20*time.Second)
}

// waitGoroutines fails unless the goroutine count drops back to want before
// the deadline; exiting goroutines take a moment to be counted out.
func waitGoroutines(t *testing.T, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
}
