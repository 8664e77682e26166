// Package media is Earshot's SFU (selective forwarding unit). It terminates
// one WebRTC PeerConnection per leg and forwards Opus RTP between legs
// exactly as it is told. It knows nothing of roles, modes or conversations:
// the domain's hear-matrix computes who may hear whom and hands the result
// to Group.SetRoutes. media never decides, it only carries out — and it
// carries out nothing else: a speaker no route names is dropped at ingress.
//
// # Shape
//
//	SFU    one shared webrtc.API, one UDP port (ICE UDP mux) for every leg
//	Group  the legs of one conversation; routes exist only inside a group
//	Leg    one PeerConnection: a microphone (ingress) and Slots receive slots
//
// # Negotiation: slots, never renegotiated
//
// A client offers exactly Config.Slots audio m-lines (default 3), all Opus:
// the first sendrecv (its microphone, and receive slot 0), the others
// recvonly (receive slots 1..Slots-1). Any other shape is refused with
// ErrBadOffer and a precise reason, checked with pion/sdp before pion's
// PeerConnection sees the offer. The server sets the offer, binds one
// TrackLocalStaticRTP per slot with pc.AddTrack (pion binds them to the
// offered transceivers in m-line order; negotiate verifies it), and answers
// after ICE gathering completes, so the answer carries every candidate.
// After that no SDP is ever exchanged again: changing who hears whom only
// re-maps slots on the server and takes effect on the next packet, and a
// customer's connection never changes because someone starts monitoring.
//
// # Forwarding: receiver → router → munger → slot writer
//
//   - receiver.go: one goroutine per leg reads the microphone into a reused
//     buffer and loads the speaker's destination list through an
//     atomic.Pointer. An empty list counts the packet as dropped: this is
//     how a listening supervisor is gated on the server whatever the
//     browser sends.
//   - router.go: planRoutes, a pure function, maps each listener's speakers
//     onto its slots stickily (a speaker keeps its slot while it stays
//     heard). Group.SetRoutes applies the plan: first each slot's allowed
//     source, then each speaker's destination list (copy-on-write).
//   - munger.go: per slot, rewrites sequence numbers (+1 across a switch)
//     and timestamps (continuing by the elapsed wall time, at least one
//     20 ms frame) with 64-bit extended counters, so a slot is ONE
//     continuous stream with one SSRC even as its speaker changes.
//   - slot.go: accepts a packet only from its current source, checked
//     under a tiny mutex that is never held across the write; re-tags the
//     RFC 6464 audio level with the listener's extension ID (other header
//     extensions are stripped); writes to the slot's track.
//
// Steady-state forwarding allocates nothing (TestForwardAllocatesNothing;
// BenchmarkForward measures the path).
//
// # Guarantees the domain can rely on
//
//   - When SetRoutes returns, every slot write admitted under the old
//     routing has finished, and the next packet read from each speaker
//     goes only to the listeners named. A refused SetRoutes
//     (ErrTooManySpeakers, ErrUnknownLeg) changes nothing.
//   - A write to a slot always re-checks the slot's source under its
//     mutex, so a stale destination list can never deliver a packet to a
//     listener that no longer hears that speaker.
//   - When a slot changes source, the new source's first packet waits for
//     the old source's in-flight write, so sequence numbers reach the wire
//     in order.
//   - OnClosed fires exactly once per leg AddLeg returned, whatever ends it
//     (ErrPeerFailed, ErrPeerClosed, ErrConnectTimeout, ErrLegRemoved,
//     ErrGroupClosed, ErrSFUClosed), in its own goroutine, after the leg's
//     routes are gone and its PeerConnection is closed.
//   - SFU.Close returns only when every leg, goroutine and OnClosed
//     callback has finished and the UDP port is released.
//
// # WebRTC settings
//
// Only Opus (48000/2, "minptime=10;useinbandfec=1") and the RFC 6464
// audio-level extension are registered. Interceptors: RTCP sender and
// receiver reports only (audio needs no NACK, PLI or TWCC); RTCP is drained
// from every RTPSender and the microphone's receiver (see drain.go). SRTP
// prefers AEAD_AES_128_GCM, then AES128_CM_HMAC_SHA1_80. ICE: one UDP mux
// port, no mDNS, UDP4 (plus UDP6 when listening on all interfaces),
// Config.PublicIPs advertised instead of local addresses for 1:1 NAT,
// loopback candidates only when listening on loopback.
//
// pion's logs go to the SFU's slog.Logger one level lower than pion rates
// them (pion warns about routine teardown); see internal/pionlog.
//
// Package mediatest provides the pion test client used by these tests and
// by the integration tests above media.
package media
