package oracle

import "errors"

// Errors returned by the package.
var (
	// ErrBadRole is returned by ParseRole for an unknown name.
	ErrBadRole = errors.New("unknown role")
	// ErrBadMode is returned by ParseMode for an unknown name.
	ErrBadMode = errors.New("unknown mode")
	// ErrBadTag is returned by ParseTag (and ParseKind) for a malformed
	// speaker tag.
	ErrBadTag = errors.New("bad speaker tag")
	// ErrBadVerdict is returned by ParseVerdict for an unknown name.
	ErrBadVerdict = errors.New("unknown verdict")
)
