package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Claim paths used when OIDCParams leaves them empty. They fit Keycloak:
// realm roles under realm_access, group paths in "groups" (with the group
// membership mapper), and user attributes mapped to top-level claims.
const (
	defaultRolesClaim  = "realm_access.roles"
	defaultTeamsClaim  = "groups"
	defaultTenantClaim = "tenant"
	defaultNameClaim   = "name"
)

// rs256 is the only algorithm OIDC accepts: pinning it keeps an HS256 token
// (signed with the public key as an HMAC secret) or "none" from passing.
const rs256 = "RS256"

// discoveryTimeout bounds each request to the identity provider when the
// caller gives no HTTP client; http.DefaultClient would wait forever.
const discoveryTimeout = 10 * time.Second

// Fragments of go-oidc's error messages. go-oidc reports issuer and
// audience mismatches only as text; the OIDC tests pin these, and an
// unrecognised message still maps to ErrTokenInvalid, so a change upstream
// can only make errors less specific, never let a token through.
const (
	oidcIssuerMismatch   = "issued by a different provider"
	oidcAudienceMismatch = "expected audience"
)

// OIDCParams configures an OIDC verifier.
type OIDCParams struct {
	// IssuerURL is the provider's issuer, e.g.
	// "https://sso.example.com/realms/earshot". Discovery is fetched from
	// IssuerURL + "/.well-known/openid-configuration" and its "issuer" must
	// match exactly.
	IssuerURL string
	// Audience is the client id that must appear in the token's aud. With
	// Keycloak access tokens this needs an audience mapper on the client.
	Audience string
	// RolesClaim is the dotted path to the role names; default
	// "realm_access.roles".
	RolesClaim string
	// TeamsClaim is the dotted path to the team names; default "groups".
	TeamsClaim string
	// TenantClaim is the dotted path to the tenant (exactly one value);
	// default "tenant".
	TenantClaim string
	// NameClaim is the dotted path to the display name; default "name".
	NameClaim string
	// TeamPrefix is stripped from each team name, e.g. "/" for Keycloak
	// group paths ("/team-a" becomes "team-a").
	TeamPrefix string
	// HTTPClient fetches discovery and keys; default: a client with a 10 s
	// timeout.
	HTTPClient *http.Client
}

// OIDC verifies RS256 tokens from an OpenID Connect provider (Keycloak in
// production) against the provider's published keys, which go-oidc caches
// and re-fetches when it meets an unknown key id. It is safe for concurrent
// use.
type OIDC struct {
	verifier    *oidc.IDTokenVerifier
	rolesClaim  string
	teamsClaim  string
	tenantClaim string
	nameClaim   string
	teamPrefix  string
}

// NewOIDC fetches the provider's discovery document (so it fails fast on a
// wrong issuer URL) and returns a verifier. ctx bounds discovery only.
func NewOIDC(ctx context.Context, p OIDCParams) (*OIDC, error) {
	if p.IssuerURL == "" {
		return nil, fmt.Errorf("new oidc: %w", errEmptyIssuer)
	}
	if p.Audience == "" {
		return nil, fmt.Errorf("new oidc: %w", errEmptyAudience)
	}
	client := p.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: discoveryTimeout}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), p.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("new oidc: discover %s: %w", p.IssuerURL, err)
	}
	return &OIDC{
		verifier: provider.Verifier(&oidc.Config{
			ClientID:             p.Audience,
			SupportedSigningAlgs: []string{rs256},
		}),
		rolesClaim:  orDefault(p.RolesClaim, defaultRolesClaim),
		teamsClaim:  orDefault(p.TeamsClaim, defaultTeamsClaim),
		tenantClaim: orDefault(p.TenantClaim, defaultTenantClaim),
		nameClaim:   orDefault(p.NameClaim, defaultNameClaim),
		teamPrefix:  p.TeamPrefix,
	}, nil
}

// Verify checks raw against the provider's keys, issuer, audience and
// lifetime, then reads Earshot's claims at the configured paths. ctx bounds
// a key fetch, which happens when a token names an unknown key id.
func (o *OIDC) Verify(ctx context.Context, raw string) (Identity, error) {
	if raw == "" {
		return Identity{}, fmt.Errorf("oidc: %w", ErrMissingToken)
	}
	if len(raw) > maxTokenBytes {
		return Identity{}, fmt.Errorf("oidc: %d bytes: %w", len(raw), ErrTokenInvalid)
	}
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The token may be fine; the caller gave up. Still not usable.
			return Identity{}, fmt.Errorf("oidc: %w: %w", ErrTokenInvalid, ctxErr)
		}
		return Identity{}, fmt.Errorf("oidc: %w: %v", classifyOIDCError(err), err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("oidc: claims: %w: %v", ErrTokenInvalid, err)
	}
	id, err := o.identityOf(tok.Subject, tok.Expiry, claims)
	if err != nil {
		return Identity{}, fmt.Errorf("oidc: %w", err)
	}
	return id, nil
}

// identityOf reads Earshot's claims at the configured paths of a verified
// token's decoded claims. It is separate from Verify so that the claim
// extraction, which sees whatever the provider put in a token, can be
// fuzzed without signing every input.
func (o *OIDC) identityOf(subject string, expiry time.Time, claims map[string]any) (Identity, error) {
	roles, _ := claimPath(claims, o.rolesClaim)
	teams, _ := claimPath(claims, o.teamsClaim)
	for i, t := range teams {
		teams[i] = strings.TrimPrefix(t, o.teamPrefix)
	}
	return rawIdentity{
		subject: subject,
		name:    singleClaim(claims, o.nameClaim),
		tenant:  singleClaim(claims, o.tenantClaim),
		roles:   roles,
		teams:   teams,
		expiry:  expiry,
	}.identity()
}

// classifyOIDCError maps a go-oidc verification error to a sentinel.
func classifyOIDCError(err error) error {
	var expired *oidc.TokenExpiredError
	if errors.As(err, &expired) {
		if expired.Expiry.IsZero() {
			return ErrMissingClaim // go-oidc reports a missing exp as expired
		}
		return ErrTokenExpired
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, oidcIssuerMismatch):
		return ErrWrongIssuer
	case strings.Contains(msg, oidcAudienceMismatch):
		return ErrWrongAudience
	default:
		return ErrTokenInvalid
	}
}

// singleClaim returns the claim at path if it holds exactly one value. A
// tenant claim with several values is ambiguous and must not pick one.
func singleClaim(claims map[string]any, path string) string {
	values, ok := claimPath(claims, path)
	if !ok || len(values) != 1 {
		return ""
	}
	return values[0]
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
