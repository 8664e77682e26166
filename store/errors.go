package store

import "errors"

// Errors of the package.
var (
	// ErrNotFound is returned when a looked-up record does not exist in the
	// caller's tenant.
	ErrNotFound = errors.New("not found")
	// ErrClosed is returned by a Writer or Store used after Close.
	ErrClosed = errors.New("store closed")
	// ErrBadQuery is returned for a query that cannot be run as asked (no
	// tenant, an inverted time range, an unknown cursor).
	ErrBadQuery = errors.New("bad query")
	// ErrBadDetails is returned when audit details are not a JSON object.
	ErrBadDetails = errors.New("audit details must be a JSON object")
	// ErrUnknownDriver is returned by configuration naming no known store.
	ErrUnknownDriver = errors.New("unknown store driver")

	errEmptyTenant = errors.New("audit event without tenant")
)
