package signaling

import (
	"errors"
	"fmt"

	"github.com/earshot/earshot/auth"
)

// Go errors of the package.
var (
	// ErrSessionEnded is returned by Session.Push once the session ended for
	// good; the domain should forget the session.
	ErrSessionEnded = errors.New("session ended")
	// ErrUnknownCloseReason is returned by ParseCloseReason.
	ErrUnknownCloseReason = errors.New("unknown close reason")
	// ErrUnknownCode is returned by ParseCode.
	ErrUnknownCode = errors.New("unknown error code")
	// ErrEmptyEvent is returned by Session.Push for an event without a name.
	ErrEmptyEvent = errors.New("empty event name")

	errInvalidUTF8 = errors.New("text frame is not valid UTF-8")
	errQueueFull   = errors.New("send queue full")
	errConnClosed  = errors.New("connection closing")
	errReplayGap   = errors.New("replay buffer no longer holds the missed events")
	errSeqAhead    = errors.New("last_seq is ahead of the session")
)

// Code is a stable, machine-readable protocol error code carried in error
// responses. Clients branch on codes, never on messages; codes are documented
// in docs/protocol.md and never change meaning.
type Code string

// Protocol error codes produced by the transport. The domain may return its
// own codes through *Error or the Coded interface.
const (
	// CodeBadFrame: the frame is not valid JSON, or is binary.
	CodeBadFrame Code = "bad_frame"
	// CodeBadRequest: the envelope or the data of a transport request is
	// malformed (missing or oversized id or type, bad data).
	CodeBadRequest Code = "bad_request"
	// CodeMessageInvalid: a string of the frame holds invalid Unicode: a
	// \uXXXX escape of a UTF-16 surrogate that is not part of a pair. The
	// domain uses the same code for chat text it refuses.
	CodeMessageInvalid Code = "message_invalid"
	// CodeUnsupportedVersion: "v" is not 1.
	CodeUnsupportedVersion Code = "unsupported_version"
	// CodeRateLimited: the request was not handled because the connection or
	// the user exceeded its rate; retry later.
	CodeRateLimited Code = "rate_limited"
	// CodeAuthRequired: the first frame was neither auth nor session.resume.
	CodeAuthRequired Code = "auth_required"
	// CodeAuthTimeout: no first frame within the auth timeout.
	CodeAuthTimeout Code = "auth_timeout"
	// CodeAlreadyAuthenticated: auth or session.resume on an authenticated socket.
	CodeAlreadyAuthenticated Code = "already_authenticated"
	// CodeTokenMissing: no token was presented.
	CodeTokenMissing Code = "token_missing"
	// CodeTokenExpired: the token's expiry is past; get a new one.
	CodeTokenExpired Code = "token_expired"
	// CodeTokenInvalid: the token cannot be trusted.
	CodeTokenInvalid Code = "token_invalid"
	// CodeTokenWrongAudience: the token was issued for another audience.
	CodeTokenWrongAudience Code = "token_wrong_audience"
	// CodeTokenWrongIssuer: the token was issued by another issuer.
	CodeTokenWrongIssuer Code = "token_wrong_issuer"
	// CodeTokenMissingClaim: the token lacks a claim Earshot needs.
	CodeTokenMissingClaim Code = "token_missing_claim"
	// CodeIdentityMismatch: a refreshed token names another user or tenant.
	CodeIdentityMismatch Code = "identity_mismatch"
	// CodeResumeFailed: no resumable session matches the resume request.
	CodeResumeFailed Code = "resume_failed"
	// CodeResumeGap: missed events were evicted; the session was ended.
	CodeResumeGap Code = "resume_gap"
	// CodeForbidden: the caller may not do this.
	CodeForbidden Code = "forbidden"
	// CodeUnknownType: no handler for the request type.
	CodeUnknownType Code = "unknown_type"
	// CodeShuttingDown: the server is stopping.
	CodeShuttingDown Code = "shutting_down"
	// CodeNodeUnavailable: in a cluster, the node that serves the user's
	// tenant could not be reached from this one; connect again (to any
	// node) and resume.
	CodeNodeUnavailable Code = "node_unavailable"
	// CodeInternal: an unexpected server error; details are only logged.
	CodeInternal Code = "internal"
)

// codeMessages are the default human messages, also the fixed texts used
// when an error's own text must not reach the client.
var codeMessages = map[Code]string{
	CodeBadFrame:             "the frame is not a JSON text message",
	CodeBadRequest:           "the request is malformed",
	CodeMessageInvalid:       "a string holds invalid Unicode (an unpaired surrogate escape \\ud800-\\udfff)",
	CodeUnsupportedVersion:   "unsupported protocol version; this server speaks v1",
	CodeRateLimited:          "too many requests; slow down",
	CodeAuthRequired:         "the first message must be auth or session.resume",
	CodeAuthTimeout:          "no auth message in time",
	CodeAlreadyAuthenticated: "this socket is already authenticated",
	CodeTokenMissing:         "no token was presented",
	CodeTokenExpired:         "the token has expired",
	CodeTokenInvalid:         "the token is invalid",
	CodeTokenWrongAudience:   "the token was issued for another audience",
	CodeTokenWrongIssuer:     "the token was issued by another issuer",
	CodeTokenMissingClaim:    "the token lacks a required claim",
	CodeIdentityMismatch:     "the token names another user or tenant",
	CodeResumeFailed:         "no resumable session matches",
	CodeResumeGap:            "missed events are no longer available; start a new session",
	CodeForbidden:            "you are not allowed to do this",
	CodeUnknownType:          "unknown request type",
	CodeShuttingDown:         "the server is shutting down",
	CodeNodeUnavailable:      "the node serving your tenant is not reachable now; connect again",
	CodeInternal:             "internal error",
}

// String returns the code as sent on the wire.
func (c Code) String() string { return string(c) }

// ParseCode accepts only the codes defined by this package. Domain codes are
// not known here and are rejected.
func ParseCode(raw string) (Code, error) {
	if _, ok := codeMessages[Code(raw)]; ok {
		return Code(raw), nil
	}
	return "", fmt.Errorf("code %q: %w", raw, ErrUnknownCode)
}

// Error is a protocol error: what an error response carries. Handlers return
// it (directly or wrapped) to refuse a request with a stable code.
type Error struct {
	Code    Code
	Message string
}

// Error implements error.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds a protocol error with a formatted human message. The message
// reaches the client: never put secrets, tokens or chat text in it.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// newError builds a protocol error with the code's default message.
func newError(code Code) *Error {
	return &Error{Code: code, Message: codeMessages[code]}
}

// Coded is implemented by errors of other packages (the domain's refusals)
// that carry their own stable code and a message safe to show to clients.
// AsError finds them anywhere in a wrapped chain.
type Coded interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

// authCodes maps auth sentinels to protocol codes. Fixed messages are used
// instead of the error text, which may carry verifier detail.
var authCodes = []struct {
	err  error
	code Code
}{
	{auth.ErrMissingToken, CodeTokenMissing},
	{auth.ErrTokenExpired, CodeTokenExpired},
	{auth.ErrTokenInvalid, CodeTokenInvalid},
	{auth.ErrWrongAudience, CodeTokenWrongAudience},
	{auth.ErrWrongIssuer, CodeTokenWrongIssuer},
	{auth.ErrMissingClaim, CodeTokenMissingClaim},
	{auth.ErrNotSupervisor, CodeForbidden},
	{auth.ErrOtherTenant, CodeForbidden},
	{auth.ErrOtherTeam, CodeForbidden},
}

// AsError maps any error to the protocol error sent to the client: an *Error
// in the chain is used as is, a Coded error keeps its code and message, auth
// sentinels become their token_* (or forbidden) codes, and everything else
// becomes "internal" with a fixed message so that internal detail never
// leaks. AsError(nil) is nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if pe, ok := errors.AsType[*Error](err); ok && pe != nil {
		return pe
	}
	if ce, ok := errors.AsType[Coded](err); ok {
		return &Error{Code: Code(ce.ErrorCode()), Message: ce.ErrorMessage()}
	}
	for _, m := range authCodes {
		if errors.Is(err, m.err) {
			return newError(m.code)
		}
	}
	return newError(CodeInternal)
}
