package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// verifierSentinels are the errors a Verifier may fail with (verifier.go).
var verifierSentinels = []error{ErrMissingToken, ErrTokenExpired, ErrTokenInvalid, ErrWrongAudience, ErrWrongIssuer, ErrMissingClaim}

// Modes of FuzzHS256Verify's signature.
const (
	sigRaw      = iota // the token is the fuzzer's string as is
	sigRight           // header.payload signed with the verifier's secret
	sigWrongKey        // header.payload signed with another secret
	sigModes
)

// FuzzHS256Verify fuzzes HMAC.Verify with whole raw tokens and with tokens
// built from a fuzzed header and payload, signed with the right or a wrong
// secret, so that the claim checks behind the signature are reachable. A
// token is accepted only if an independent check agrees: three segments,
// an HS256 header, a signature that is the HMAC of the first two segments
// under the secret, the issuer, an audience naming Earshot and an expiry in
// the future; the identity must be the payload's. Every refusal matches a
// verifier sentinel and never quotes the token.
func FuzzHS256Verify(f *testing.F) {
	good := `{"sub":"agent-1","name":"Ada","tenant":"acme","roles":["agent","supervisor"],"teams":["team-a"],"iss":"earshot-test","aud":"earshot","iat":1700000000,"exp":4102444800}`
	for _, s := range []struct {
		header, payload, raw string
		mode                 uint8
	}{
		{`{"alg":"HS256","typ":"JWT"}`, good, "", sigRight},
		{`{"alg":"HS256","typ":"JWT"}`, good, "", sigWrongKey},
		{`{"alg":"none","typ":"JWT"}`, good, "", sigRight},
		{`{"alg":"HS512"}`, good, "", sigRight},
		{`{"alg":"RS256","kid":"k"}`, good, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":"agent","iss":"earshot-test","aud":["x","earshot"],"iat":1700000000,"exp":4102444800}`, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":["agent"],"iss":"earshot-test","aud":"earshot","iat":1700000000,"exp":1700000001}`, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":["agent"],"iss":"earshot-test","aud":"earshot","iat":1700000000,"nbf":4102444000,"exp":4102444800}`, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":["agent"],"iss":"other","aud":"earshot","iat":1700000000,"exp":4102444800}`, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":[1,{"x":"agent"}],"iss":"earshot-test","aud":"earshot","iat":1700000000,"exp":4102444800}`, "", sigRight},
		{`{"alg":"HS256"}`, `{"sub":"u","tenant":"t","roles":["agent"],"iss":"earshot-test","aud":"earshot","iat":"yesterday","exp":1e300}`, "", sigRight},
		{"", "", "eyJhbGciOiJIUzI1NiJ9.e30.", sigRaw},
		{"", "", "a.b.c.d", sigRaw},
		{"", "", "....", sigRaw},
	} {
		f.Add([]byte(s.header), []byte(s.payload), s.raw, s.mode)
	}
	p := HMACParams{Secret: testSecret(0), Issuer: testIssuer, Audience: testAudience, Leeway: 5 * time.Second}
	h, err := NewHMAC(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header, payload []byte, raw string, mode uint8) {
		mode %= sigModes
		token := raw
		if mode != sigRaw {
			key := p.Secret
			if mode == sigWrongKey {
				key = testSecret(1)
			}
			signed := b64(header) + "." + b64(payload)
			token = signed + "." + b64(mac(key, signed))
		}
		id, err := h.Verify(context.Background(), token)
		if err != nil {
			if !slices.ContainsFunc(verifierSentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error matches no verifier sentinel: %v", err)
			}
			if len(token) >= 8 && strings.Contains(err.Error(), token) {
				t.Fatalf("error quotes the token: %v", err)
			}
			return
		}
		if mode == sigWrongKey {
			t.Fatalf("token signed with another key accepted: %s", token)
		}
		checkAcceptedHS256(t, p, token, id)
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mac(key []byte, signed string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// checkAcceptedHS256 verifies an accepted token independently of
// golang-jwt and compares the identity with its payload.
func checkAcceptedHS256(t *testing.T, p HMACParams, token string, id Identity) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted a token of %d segments", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac(p.Secret, parts[0]+"."+parts[1])) {
		t.Fatalf("accepted a token whose signature is not the secret's HMAC: %s", token)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != hs256 {
		t.Fatalf("accepted header %q (alg %q, %v)", parts[0], header.Alg, err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		t.Fatalf("accepted unreadable claims: %v", err)
	}
	if claims["iss"] != p.Issuer {
		t.Fatalf("accepted issuer %v", claims["iss"])
	}
	if aud, _ := claimStrings(claims["aud"]); !slices.Contains(aud, p.Audience) {
		t.Fatalf("accepted audience %v", claims["aud"])
	}
	exp, isNumber := claims["exp"].(float64)
	if !isNumber || time.Unix(int64(exp), 0).Add(p.Leeway).Before(time.Now()) {
		t.Fatalf("accepted expiry %v", claims["exp"])
	}
	if string(id.Subject) != claims["sub"] || string(id.Tenant) != claims["tenant"] || id.Subject == "" || id.Tenant == "" {
		t.Fatalf("identity %+v from claims %v", id, claims)
	}
	names, _ := claimStrings(claims["roles"])
	if len(id.Roles) == 0 {
		t.Fatal("accepted without a role")
	}
	for _, r := range id.Roles {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, r.String()) }) {
			t.Fatalf("role %s not in the token's %v", r, names)
		}
	}
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
