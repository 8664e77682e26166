// Package media is Earshot's SFU (selective forwarding unit). It terminates
// every leg's WebRTC transport and forwards Opus RTP between legs exactly
// as it is told. It knows nothing of roles, modes or conversations: the
// domain's hear-matrix computes who may hear whom and hands the result to
// Group.SetRoutes. media never decides, it only carries out — and it
// carries out nothing else: a speaker no route names is dropped at ingress.
//
// # Shape
//
//	SFU    one UDP port for every leg, served by Config.Shards forwarding shards
//	       (a socket and a reader goroutine each, shard.go), one DTLS certificate
//	Group  the legs of one conversation; routes exist only inside a group
//	Leg    one client: ICE-lite + DTLS-SRTP transport, a microphone, Slots receive slots
//
// # Negotiation: slots, never renegotiated
//
// A client offers exactly Config.Slots audio m-lines (default 3), all Opus,
// in one BUNDLE group: the first sendrecv (its microphone, and receive slot
// 0), the others recvonly (receive slots 1..Slots-1). Any other shape is
// refused with ErrBadOffer and a precise reason (offer.go,
// offertransport.go). The answer (answer.go) is written directly: ICE-lite,
// setup:passive, the client's own Opus payload type and audio-level
// extension ID on each m-line, one SSRC and stream per slot, and the SFU's
// host candidates — all on the one shared port — so there is nothing to
// gather. After that no SDP is ever exchanged again: changing who hears
// whom only re-maps slots on the server and takes effect on the next
// packet, and a customer's connection never changes because someone
// starts monitoring.
//
// # Transport: ICE-lite, DTLS, SRTP on one socket
//
// The SFU does not run a WebRTC stack per leg. A client (browser, pion, the
// load tester) is a full ICE agent and controls; the SFU only answers its
// checks (ice.go): a binding request whose USERNAME names a leg's ufrag and
// whose MESSAGE-INTEGRITY and FINGERPRINT verify is answered, and its
// source address becomes a path of that leg (the one media goes to once
// nominated with USE-CANDIDATE). DTLS runs with pion/dtls per leg, fed the
// records demultiplexed for it (dtlsconn.go); the SFU is the DTLS server,
// so its SRTP preference decides: AEAD_AES_128_GCM, then
// AES128_CM_HMAC_SHA1_80 (srtp.go). The client's certificate must match
// its offer's fingerprint. SRTP keys come from the DTLS exporter into two
// pion/srtp contexts per leg. A DTLS close_notify from the client ends the
// leg (ErrPeerClosed); a connected client whose consent checks (RFC 7675:
// its authenticated binding requests; media does not count) stop for
// Config.ConsentTimeout, 30 s by default, fails it (ErrPeerFailed).
//
// # ICE-TCP: the same, framed, for clients without UDP
//
// tcp.go listens on TCP at the UDP port's number (Config.TCPPort) and the
// answer adds passive TCP host candidates (RFC 6544) below the UDP ones.
// A connection carries RFC 4571 frames (2-byte length + one packet),
// demultiplexed like datagrams by its own reader goroutine; its first
// authenticated check binds it to that leg (at most 64 connections may
// wait unauthenticated, 5 s each; a frame over 1500 bytes closes it).
// Packets to a TCP-bound leg are copied into the connection's bounded
// queue (tcpwriter.go) and written by its writer goroutine: forwarding
// never waits for a TCP peer, and a full queue drops and counts. One
// goroutine at a time owns a leg's ingress (Leg.rxMu, TryLock): the UDP
// reader or one TCP reader.
//
// # Forwarding: one goroutine per shard, no hand-off, no allocation
//
// reader.go is the whole data path. Each shard (shard.go: a socket on the
// media port with SO_REUSEPORT, so the kernel keeps each client address on
// one shard) has one goroutine that reads up to 32
// datagrams per recvmmsg (batchio_linux.go), demultiplexes each by its
// first byte (RFC 7983) and its source path, decrypts the microphone's RTP
// in place of the previous one, and dispatches it:
//
//   - receiver.go: the speaker's destination list, loaded through an
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
//     extensions are stripped).
//   - sender.go: stamps the slot's SSRC and the listener's payload type,
//     encrypts with the listener's SRTP context (its mutex held for the
//     encryption only: shards forwarding to one listener take turns) and
//     queues the datagram in the shard's batch, whatever shard the
//     listener's own packets arrive at; the batch goes out with sendmmsg
//     from the shard's socket (same address and port for every shard)
//     after each read batch (or when 64 are queued).
//
// A received packet is never handed to another goroutine, and the steady
// state allocates nothing (TestForwardAllocatesNothing,
// TestReadPathAllocatesNothing; BenchmarkForward and BenchmarkReadPath
// measure the path). The kernel's share — one recvmmsg per batch, one
// sendmmsg per batch — is what remains; on loopback its per-datagram cost
// dominates.
//
// # RTCP: reports, terminated per leg
//
// The SFU is the RTP endpoint of every leg, so it reports as one (RFC
// 3550) and never forwards a client's RTCP to another leg: each leg's
// reports describe that leg's own transport.
//
//   - reports.go: one reporter goroutine sends each connected leg, about
//     once a second (randomised over 0.5-1.5 s so legs do not report in
//     step), one compound SRTCP packet: an SR for every slot that sent
//     media in this or the previous interval — the slot's SSRC, NTP time
//     now, the slot's RTP timestamp extrapolated to now at 48 kHz from its
//     last written packet, its packet and octet counts (counted with
//     atomics in slot.forward) — then the reception report of the leg's
//     microphone, inside the first SR (or an RR from slot 0's SSRC when no
//     slot is sending), then an SDES with the leg's CNAME for each SSRC (a
//     random CNAME per leg, the same as in the answer). The SRs let a
//     receiver map each slot's RTP clock to wall time and compare what was
//     sent with what arrived; the reception report tells the client its
//     loss, jitter and round trip to the SFU. The packet is encrypted with
//     the leg's SRTP context (its mutex held for the encryption only) and
//     written with an ordinary WriteTo on the shared socket: UDP sockets
//     take concurrent writers (DTLS and ICE answers already write beside
//     the reader's sendmmsg), and one datagram per leg per second needs no
//     batching, so the reader never waits for the reporter.
//   - recvstats.go: the microphone's reception statistics (RFC 3550 A.1
//     sequence tracking with wraparound and restarts, A.8 interarrival
//     jitter) are updated by the reader goroutine with plain fields and
//     published through atomics; the reporter turns them into fraction
//     lost, cumulative loss, extended highest sequence number and jitter.
//   - rtcpin.go: a client's SRTCP (second byte 192-223, RFC 5761) is
//     decrypted with the leg's receive context and walked with pion/rtcp
//     (RFC 3550 A.2 validity checks); the microphone's SR is remembered
//     (NTP middle 32 bits and arrival) for LSR/DLSR. Valid packets are
//     counted (LegStats.RTCPReceived); anything that does not decrypt or
//     parse is counted (RTCPDropped) and dropped. Parsing allocates
//     nothing; pion's AEAD-GCM SRTCP decryption allocates 12 bytes per
//     report, about one a second per stream.
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
//     routes are gone and its transport is closed (the client gets a DTLS
//     close_notify).
//   - SFU.Close returns only when every leg, goroutine and OnClosed
//     callback has finished and the UDP port is released.
//
// # Not done
//
// RTCP is reports only: no NACK, PLI or transport-wide feedback (audio
// with in-band FEC needs none), no BYE, and the clients' reception reports
// are read but not acted on. There is no TURN (deployments run coturn:
// docs/deployment.md), no ICE restart. One
// reader goroutine forwards everything, so one core bounds a node: at 150
// monitored calls on the 2-core test machine the whole server used about
// 40% of a core, 12 µs per forwarded packet, most of it in the kernel's UDP
// path (docs/benchmarks.md).
//
// pion's logs (DTLS) go to the SFU's slog.Logger one level lower than pion
// rates them; see internal/pionlog.
//
// Package mediatest provides the pion test client used by these tests and
// by the integration tests above media.
package media
