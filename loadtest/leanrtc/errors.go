package leanrtc

import "errors"

// Errors returned by the package; most are wrapped with context.
var (
	// ErrBadAnswer is returned by Connect for an answer it cannot use
	// (missing ICE credentials, fingerprint or a usable UDP candidate).
	ErrBadAnswer = errors.New("bad answer")
	// ErrClosed is returned by an Endpoint's methods after Close.
	ErrClosed = errors.New("endpoint closed")
	// ErrFingerprint is returned when the server's DTLS certificate does not
	// match the fingerprint of its answer.
	ErrFingerprint = errors.New("dtls certificate does not match fingerprint")
	// ErrICETimeout is returned when no binding request got an answer.
	ErrICETimeout = errors.New("ice: no binding success")
)

// errUnknownProfile means DTLS negotiated an SRTP profile this package does
// not map (it offers only two).
var errUnknownProfile = errors.New("unknown srtp protection profile")

// errNotReady is the Pacer's signal that an endpoint has no SRTP yet.
var errNotReady = errors.New("endpoint not ready")
