package auth

import "context"

// Verifier turns a raw bearer token into the Identity it vouches for.
// Implementations are safe for concurrent use. Errors match one of the
// verifier sentinels in errors.go (ErrMissingToken, ErrTokenExpired,
// ErrTokenInvalid, ErrWrongAudience, ErrWrongIssuer, ErrMissingClaim) under
// errors.Is, and never contain the token, because errors end up in logs.
type Verifier interface {
	Verify(ctx context.Context, raw string) (Identity, error)
}

// Compile-time checks: every verifier Earshot ships implements Verifier.
var (
	_ Verifier = (*HMAC)(nil)
	_ Verifier = (*OIDC)(nil)
)

// maxTokenBytes bounds the work spent on a token before its signature is
// checked. Keycloak tokens with many groups reach a few KiB; 64 KiB is far
// beyond any honest token.
const maxTokenBytes = 64 << 10
