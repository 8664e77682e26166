package signaling

import (
	"fmt"

	"github.com/gorilla/websocket"
)

// CloseReason says why a socket or a session was closed. It travels to the
// client as the WebSocket close frame's reason text and in the final
// "session.closed" event, and it labels logs (and later metrics), so that an
// operator can tell a slow consumer from an abusive one.
type CloseReason int

// Close reasons. The zero value is CloseReasonUnknown so that a forgotten
// assignment is visible rather than looking like a clean close.
const (
	CloseReasonUnknown CloseReason = iota
	// CloseReasonClientClosed: the client ended its session (session.close).
	CloseReasonClientClosed
	// CloseReasonConnectionLost: the socket broke or the peer closed it
	// without ending the session; the session waits for a resume.
	CloseReasonConnectionLost
	// CloseReasonSlowConsumer: the outbound queue overflowed or a write hit
	// its deadline; the session waits for a resume.
	CloseReasonSlowConsumer
	// CloseReasonRateLimited: sustained requests far above the rate limit.
	CloseReasonRateLimited
	// CloseReasonFrameTooLarge: a frame exceeded Config.MaxFrameBytes.
	CloseReasonFrameTooLarge
	// CloseReasonBadFrame: a frame that is not a protocol message at all.
	CloseReasonBadFrame
	// CloseReasonAuthFailed: the first frame was not a valid auth or resume.
	CloseReasonAuthFailed
	// CloseReasonAuthTimeout: no first frame within Config.AuthTimeout.
	CloseReasonAuthTimeout
	// CloseReasonReplaced: a resume moved the session to another socket.
	CloseReasonReplaced
	// CloseReasonShutdown: the server is stopping.
	CloseReasonShutdown
	// CloseReasonGraceExpired: the socket dropped and no resume came within
	// Config.ResumeGrace.
	CloseReasonGraceExpired
	// CloseReasonTokenExpired: the session's token expired without refresh.
	CloseReasonTokenExpired
	// CloseReasonRefused: Handler.Opened refused the new session.
	CloseReasonRefused
	// CloseReasonRevoked: Handler.Refreshed refused a refreshed identity, or
	// the domain ended the session because the user lost a privilege.
	CloseReasonRevoked
	// CloseReasonResumeFailed: a resume named no resumable session of the
	// caller (unknown or rotated resume token, other user, ended session).
	CloseReasonResumeFailed
	// CloseReasonResumeGap: events the client missed were already evicted
	// from the replay buffer, so the session cannot continue consistently.
	CloseReasonResumeGap
	// CloseReasonInvalidUTF8: a text frame that is not valid UTF-8 (RFC 6455
	// §8.1 requires failing the connection, with close code 1007).
	CloseReasonInvalidUTF8
	// CloseReasonNodeUnavailable: in a cluster, the node this socket was
	// bridged to (the one serving the user's tenant) could not be reached
	// or went away; the client connects again and resumes.
	CloseReasonNodeUnavailable
	// CloseReasonSignedInElsewhere: a newer session of the same agent took
	// the desk over (the domain ended this one). Clients must not reconnect
	// automatically, or two tabs would take the desk from each other.
	CloseReasonSignedInElsewhere
)

var closeReasonNames = [...]string{
	CloseReasonUnknown:           "unknown",
	CloseReasonClientClosed:      "client_closed",
	CloseReasonConnectionLost:    "connection_lost",
	CloseReasonSlowConsumer:      "slow_consumer",
	CloseReasonRateLimited:       "rate_limited",
	CloseReasonFrameTooLarge:     "frame_too_large",
	CloseReasonBadFrame:          "bad_frame",
	CloseReasonAuthFailed:        "auth_failed",
	CloseReasonAuthTimeout:       "auth_timeout",
	CloseReasonReplaced:          "replaced",
	CloseReasonShutdown:          "shutdown",
	CloseReasonGraceExpired:      "grace_expired",
	CloseReasonTokenExpired:      "token_expired",
	CloseReasonRefused:           "refused",
	CloseReasonRevoked:           "revoked",
	CloseReasonResumeFailed:      "resume_failed",
	CloseReasonResumeGap:         "resume_gap",
	CloseReasonInvalidUTF8:       "invalid_utf8",
	CloseReasonNodeUnavailable:   "node_unavailable",
	CloseReasonSignedInElsewhere: "signed_in_elsewhere",
}

// String returns the wire name ("slow_consumer", ...), used as the close
// frame reason and in the session.closed event.
func (r CloseReason) String() string {
	if r < 0 || int(r) >= len(closeReasonNames) {
		return closeReasonNames[CloseReasonUnknown]
	}
	return closeReasonNames[r]
}

// ParseCloseReason turns a wire name back into a CloseReason (for clients
// written in Go, such as the load generator).
func ParseCloseReason(raw string) (CloseReason, error) {
	for r, name := range closeReasonNames {
		if r != int(CloseReasonUnknown) && raw == name {
			return CloseReason(r), nil
		}
	}
	return CloseReasonUnknown, fmt.Errorf("close reason %q: %w", raw, ErrUnknownCloseReason)
}

// WebSocketCode is the RFC 6455 status code sent with the close frame.
// Standard codes are used so that generic clients react sensibly; the
// reason text carries the precise CloseReason.
func (r CloseReason) WebSocketCode() int {
	switch r {
	case CloseReasonClientClosed:
		return websocket.CloseNormalClosure
	case CloseReasonConnectionLost, CloseReasonShutdown, CloseReasonNodeUnavailable:
		return websocket.CloseGoingAway
	case CloseReasonFrameTooLarge:
		return websocket.CloseMessageTooBig
	case CloseReasonBadFrame:
		return websocket.CloseUnsupportedData
	case CloseReasonInvalidUTF8:
		return websocket.CloseInvalidFramePayloadData
	case CloseReasonUnknown:
		return websocket.CloseInternalServerErr
	default:
		return websocket.ClosePolicyViolation
	}
}

// resumable reports whether a socket closed for this reason leaves its
// session waiting for a resume (true) rather than ended or moved elsewhere.
func (r CloseReason) resumable() bool {
	switch r {
	case CloseReasonConnectionLost, CloseReasonSlowConsumer, CloseReasonRateLimited,
		CloseReasonFrameTooLarge, CloseReasonBadFrame, CloseReasonInvalidUTF8:
		return true
	default:
		return false
	}
}
