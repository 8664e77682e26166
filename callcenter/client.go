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

// userKey identifies a user across the whole server: user ids are only
// unique within a tenant.
type userKey struct {
	tenant auth.TenantID
	user   auth.UserID
}

func keyOf(id auth.Identity) userKey { return userKey{tenant: id.Tenant, user: id.Subject} }
