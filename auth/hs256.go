package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// minSecretBytes is the HS256 key size RFC 7518 §3.2 requires (the hash
// output size); shorter secrets make brute-forcing a captured token cheap.
const minSecretBytes = 32

// hs256 is the only algorithm HMAC accepts. Pinning it defeats "alg":"none"
// and RS256/HS256 confusion, where an attacker signs with a public key.
const hs256 = "HS256"

// HMACParams configures an HMAC verifier and minter.
type HMACParams struct {
	// Secret is the shared HS256 key, at least 32 bytes (see
	// LoadOrCreateSecret). It is copied, never logged.
	Secret []byte
	// Issuer is written to minted tokens and required in verified ones.
	Issuer string
	// Audience is written to minted tokens and required in verified ones.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
}

// HMAC verifies and mints HS256 tokens with a shared secret: Earshot's
// embedded default, where the server issues its own demo tokens. It is safe
// for concurrent use.
type HMAC struct {
	secret   []byte
	issuer   string
	audience string
	parser   *jwt.Parser
}

// hmacClaims is the token body HMAC mints and reads: the registered claims
// plus Earshot's own.
type hmacClaims struct {
	jwt.RegisteredClaims
	Name   string   `json:"name,omitempty"`
	Tenant string   `json:"tenant,omitempty"`
	Roles  []string `json:"roles,omitempty"`
	Teams  []string `json:"teams,omitempty"`
}

// MintParams describes a token to mint.
type MintParams struct {
	// Identity is who the token vouches for. Its Expiry is ignored: the
	// token expires TTL after minting.
	Identity Identity
	// TTL is how long the token stays valid; it must be positive.
	TTL time.Duration
}

// NewHMAC checks the parameters and returns a ready HMAC.
func NewHMAC(p HMACParams) (*HMAC, error) {
	switch {
	case len(p.Secret) < minSecretBytes:
		return nil, fmt.Errorf("new hmac: %d bytes: %w", len(p.Secret), errSecretTooShort)
	case p.Issuer == "":
		return nil, fmt.Errorf("new hmac: %w", errEmptyIssuer)
	case p.Audience == "":
		return nil, fmt.Errorf("new hmac: %w", errEmptyAudience)
	case p.Leeway < 0:
		return nil, fmt.Errorf("new hmac: %w", errNegativeLeeway)
	}
	return &HMAC{
		secret:   append([]byte(nil), p.Secret...),
		issuer:   p.Issuer,
		audience: p.Audience,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{hs256}),
			jwt.WithIssuer(p.Issuer),
			jwt.WithAudience(p.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(p.Leeway),
		),
	}, nil
}

// Verify checks raw's signature, algorithm, issuer, audience and lifetime,
// then builds the Identity it carries. ctx is unused: verification is local.
func (h *HMAC) Verify(_ context.Context, raw string) (Identity, error) {
	if raw == "" {
		return Identity{}, fmt.Errorf("hs256: %w", ErrMissingToken)
	}
	if len(raw) > maxTokenBytes {
		return Identity{}, fmt.Errorf("hs256: %d bytes: %w", len(raw), ErrTokenInvalid)
	}
	var claims hmacClaims
	if _, err := h.parser.ParseWithClaims(raw, &claims, h.key); err != nil {
		return Identity{}, fmt.Errorf("hs256: %w: %v", classifyJWTError(err), err)
	}
	var expiry time.Time
	if claims.ExpiresAt != nil {
		expiry = claims.ExpiresAt.Time
	}
	id, err := rawIdentity{
		subject: claims.Subject,
		name:    claims.Name,
		tenant:  claims.Tenant,
		roles:   claims.Roles,
		teams:   claims.Teams,
		expiry:  expiry,
	}.identity()
	if err != nil {
		return Identity{}, fmt.Errorf("hs256: %w", err)
	}
	return id, nil
}

// key hands the secret to the parser. The method check repeats the parser's
// WithValidMethods on purpose: the secret must never reach a non-HMAC
// algorithm even if the parser options change.
func (h *HMAC) key(t *jwt.Token) (any, error) {
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok || t.Method.Alg() != hs256 {
		return nil, fmt.Errorf("algorithm %q: %w", t.Method.Alg(), ErrTokenInvalid)
	}
	return h.secret, nil
}

// classifyJWTError maps a golang-jwt error to an Earshot sentinel. Claims
// errors are joined, so the most useful one wins, in the order go-oidc
// checks them (issuer, audience, expiry) for consistency between verifiers.
func classifyJWTError(err error) error {
	if !errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return ErrTokenInvalid // malformed, unverifiable, bad signature, wrong alg
	}
	switch {
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrWrongAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return ErrMissingClaim
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrTokenExpired
	default:
		return ErrTokenInvalid // not yet valid, issued in the future, bad claim type
	}
}

// Mint signs a token for p.Identity, valid from now for p.TTL, with this
// HMAC's issuer and audience. It refuses identities Verify would refuse, so
// a minted token always verifies while it is fresh.
func (h *HMAC) Mint(p MintParams) (string, error) {
	if p.TTL <= 0 {
		return "", fmt.Errorf("mint: %w", errNonPositiveTTL)
	}
	id := p.Identity
	if err := checkMintable(id); err != nil {
		return "", fmt.Errorf("mint %s: %w", id.Subject, err)
	}
	now := time.Now()
	claims := hmacClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   string(id.Subject),
			Issuer:    h.issuer,
			Audience:  jwt.ClaimStrings{h.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(p.TTL)),
		},
		Name:   id.Name,
		Tenant: string(id.Tenant),
		Roles:  make([]string, 0, len(id.Roles)),
	}
	for _, r := range id.Roles {
		claims.Roles = append(claims.Roles, r.String())
	}
	for _, t := range id.Teams {
		claims.Teams = append(claims.Teams, string(t))
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(h.secret)
	if err != nil {
		return "", fmt.Errorf("mint %s: sign: %w", id.Subject, err)
	}
	return signed, nil
}

// checkMintable enforces what Verify requires, plus that every role is a
// real one: minting "unknown" would silently produce a weaker token.
func checkMintable(id Identity) error {
	switch {
	case id.Subject == "":
		return fmt.Errorf("no subject: %w", ErrMissingClaim)
	case id.Tenant == "":
		return fmt.Errorf("no tenant: %w", ErrMissingClaim)
	case len(id.Roles) == 0:
		return fmt.Errorf("no role: %w", ErrMissingClaim)
	}
	for _, r := range id.Roles {
		if r.String() == roleNames[RoleUnknown] {
			return fmt.Errorf("role %d: %w", int(r), ErrUnknownRole)
		}
	}
	return nil
}
