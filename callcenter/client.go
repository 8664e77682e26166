package callcenter

import "github.com/earshot/earshot/auth"

// Client is one connected session of a user, as the domain needs it. The
// signaling package's sessions satisfy it; the domain never imports signaling.
type Client interface {
	// ID identifies the session (stable across socket resumes).
	ID() string
	// Identity is the session's current verified identity.
	Identity() auth.Identity
	// Push queues an event for the client. It must never block and never call
	// back into the domain.
	Push(event string, data any) error
}

// Supersedable is implemented by clients the domain can end because a newer
// session of the same user took their place (signaling's sessions: they close
// with the reason "signed_in_elsewhere"). The domain calls Superseded after
// its locks are released; it must not call back into the domain
// synchronously.
type Supersedable interface {
	Superseded()
}

// userKey identifies a user across the whole server: user ids are only
// unique within a tenant.
type userKey struct {
	tenant auth.TenantID
	user   auth.UserID
}

func keyOf(id auth.Identity) userKey { return userKey{tenant: id.Tenant, user: id.Subject} }
