package auth

import "errors"

// Errors returned by verifiers. Callers map them to protocol error codes.
// Verifiers wrap them with detail (never the token itself), so compare with
// errors.Is.
var (
	// ErrUnknownRole is returned by ParseRole for a name that is not a role.
	ErrUnknownRole = errors.New("unknown role")

	// ErrMissingToken means no token was presented at all. It is separate
	// from ErrTokenInvalid so that a client can be told to log in rather than
	// that its credentials are bad.
	ErrMissingToken = errors.New("missing token")

	// ErrTokenExpired means the token was genuine but its exp is past; the
	// client should refresh it and retry.
	ErrTokenExpired = errors.New("token expired")

	// ErrTokenInvalid means the token cannot be trusted: malformed, bad or
	// forged signature, a signing algorithm other than the one configured,
	// not yet valid (nbf/iat in the future), or too large. Retrying the same
	// token never helps.
	ErrTokenInvalid = errors.New("token invalid")

	// ErrWrongAudience means the token was issued for another client or
	// service; usually an identity provider misconfiguration.
	ErrWrongAudience = errors.New("token audience mismatch")

	// ErrWrongIssuer means the token was issued by another identity provider
	// than the one configured.
	ErrWrongIssuer = errors.New("token issuer mismatch")

	// ErrMissingClaim means a genuine token lacks a claim Earshot needs: the
	// subject, the tenant, at least one known role, or a registered claim the
	// verifier requires (exp, iss, aud). Minting refuses such identities too.
	ErrMissingClaim = errors.New("token missing required claim")
)

// Errors returned by the permission helpers. The domain maps them to
// "forbidden" protocol errors; they are distinct so audits can say why.
var (
	// ErrNotSupervisor means the caller does not hold the supervisor role,
	// the only role that may monitor (admins included: they must also be
	// supervisors).
	ErrNotSupervisor = errors.New("not a supervisor")

	// ErrOtherTenant means the target belongs to another tenant (or to none).
	// Nothing crosses tenants.
	ErrOtherTenant = errors.New("other tenant")

	// ErrOtherTeam means the supervisor and the agent share no team.
	ErrOtherTeam = errors.New("other team")
)

// Configuration errors: programming or deployment mistakes, reported by
// constructors and never by Verify.
var (
	errSecretTooShort   = errors.New("secret shorter than 32 bytes")
	errSecretPermission = errors.New("secret file readable or writable by group or others")
	errSecretNotRegular = errors.New("secret path is not a regular file")
	errSecretNotHex     = errors.New("secret file is not hex")
	errEmptyIssuer      = errors.New("issuer must be set")
	errEmptyAudience    = errors.New("audience must be set")
	errNegativeLeeway   = errors.New("leeway must not be negative")
	errNonPositiveTTL   = errors.New("ttl must be positive")
)
