package cluster

import "errors"

var (
	// ErrNeedsSharedStore is returned for a clustered node configured with
	// the embedded SQLite store: every node of a cluster must write the
	// same audit trail and history, in the shared PostgreSQL store.
	ErrNeedsSharedStore = errors.New("cluster: a clustered node needs the shared PostgreSQL store (store.driver postgres), not SQLite")
	// ErrNoServingNode is returned by a Placer when no node is serving.
	ErrNoServingNode = errors.New("cluster: no serving node")
	// ErrBadConfig is wrapped by every configuration error.
	ErrBadConfig = errors.New("cluster: bad configuration")
	// ErrNotStarted is returned by Node methods that need Start first.
	ErrNotStarted = errors.New("cluster: node not started")

	errUnknownPolicy    = errors.New("unknown placement policy")
	errUnknownNodeState = errors.New("unknown node state")
)
