package media

import "errors"

// Errors returned by the SFU. Callers (the domain) map them to protocol
// error codes; compare with errors.Is because most are wrapped with context.
var (
	// ErrBadOffer is returned by Group.AddLeg when the client's SDP offer does
	// not have the one shape Earshot negotiates: exactly Config.Slots audio
	// m-lines offering Opus, the first sendrecv (microphone + slot 0) and the
	// others recvonly. The wrapping error names the precise reason.
	ErrBadOffer = errors.New("bad offer")

	// ErrLegExists is returned by Group.AddLeg for a LegID already present
	// (or being added) in the group.
	ErrLegExists = errors.New("leg already exists")

	// ErrInvalidLegID is returned by Group.AddLeg for an empty LegID.
	ErrInvalidLegID = errors.New("invalid leg id")

	// ErrUnknownLeg is returned by Group.SetRoutes and Group.RemoveLeg for a
	// LegID that is not a live leg of the group.
	ErrUnknownLeg = errors.New("unknown leg")

	// ErrTooManySpeakers is returned by Group.SetRoutes when one listener
	// would need more speakers than it has receive slots. Routing is left
	// exactly as it was.
	ErrTooManySpeakers = errors.New("too many speakers for listener slots")

	// ErrGroupClosed is returned by Group methods after Group.Close, and is
	// the OnClosed reason of legs closed by it.
	ErrGroupClosed = errors.New("group closed")

	// ErrSFUClosed is returned after SFU.Close, and is the OnClosed reason of
	// legs closed by it.
	ErrSFUClosed = errors.New("sfu closed")

	// ErrLegRemoved is the OnClosed reason of a leg closed by Group.RemoveLeg.
	ErrLegRemoved = errors.New("leg removed")

	// ErrConnectTimeout is the OnClosed reason of a leg whose transport was
	// not up (ICE, DTLS, SRTP) within Config.ConnectTimeout.
	ErrConnectTimeout = errors.New("leg not connected in time")

	// ErrPeerFailed is the OnClosed reason of a leg whose transport failed:
	// the DTLS handshake failed, the client's ICE consent expired (no valid
	// consent check for Config.ConsentTimeout: it vanished or the network
	// broke), or the ICE-TCP connection carrying its media was lost. The
	// wrapping error says which.
	ErrPeerFailed = errors.New("peer connection failed")

	// ErrPeerClosed is the OnClosed reason of a leg closed from the far side
	// (DTLS close_notify, or the client closing the ICE-TCP connection its
	// media went over: the client hung up).
	ErrPeerClosed = errors.New("peer connection closed")

	// ErrBadConfig is returned by New for an unusable Config.
	ErrBadConfig = errors.New("bad media config")
)

// Unexported errors: internal invariants that signal a bug or pion
// behaving differently from what this package was written against.
var (
	errFingerprint    = errors.New("dtls certificate does not match the offer's fingerprint")
	errNoSRTPProfile  = errors.New("no srtp protection profile negotiated")
	errBadCandidate   = errors.New("bad ice candidate")
	errNotConnected   = errors.New("listener not connected")
	errPacketTooLarge = errors.New("packet does not fit a datagram buffer")

	errTCPFrameTooLarge = errors.New("ice-tcp frame larger than a datagram")
	errTCPNotBound      = errors.New("ice-tcp connection not bound to a leg")
	errTCPQueueFull     = errors.New("ice-tcp write queue full")
)

// Recording errors.
var (
	// ErrRecording is returned by Group.StartRecording when the group is
	// already being recorded.
	ErrRecording = errors.New("group already recording")

	// ErrNotRecording is returned by Group.StopRecording when the group is
	// not being recorded.
	ErrNotRecording = errors.New("group not recording")
)
