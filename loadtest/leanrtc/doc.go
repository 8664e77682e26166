// Package leanrtc is the load tester's WebRTC client: just enough of ICE,
// DTLS-SRTP and RTP to be an Earshot client, at a fraction of the CPU and
// memory of a pion PeerConnection per leg.
//
// The load tester must drive hundreds of legs on the same machine as the
// server and use no more than 1.5x the server's CPU. A pion PeerConnection
// costs about 650 KiB and a chain of goroutine hand-offs per received
// packet. Here every leg (Endpoint) shares one UDP socket (Hub) and has no
// goroutine of its own:
//
//   - Each endpoint gets its own loopback address (127.100.x.y) on the
//     hub's port, so the server still sees one distinct path per leg. The
//     hub reads every endpoint's datagrams with recvmmsg on one goroutine;
//     IP_PKTINFO tells which endpoint a datagram was sent to.
//   - One Pacer goroutine produces every microphone's 20 ms frames,
//     encrypts them and sends them with sendmmsg, each with its endpoint's
//     source address (IP_PKTINFO again), spread over sub-ticks so the
//     server sees a steady stream.
//
// What an Endpoint does:
//
//   - Offer: the Earshot slot layout (Slots audio m-lines, the first
//     sendrecv with its microphone SSRC, the rest recvonly), Opus with
//     in-band FEC and the RFC 6464 audio level, BUNDLE and rtcp-mux, one
//     host candidate (its loopback address), setup:actpass.
//   - ICE as the controlling agent: binding requests with USE-CANDIDATE to
//     the server's candidate until one succeeds; every binding request from
//     the server is answered.
//   - DTLS in whichever role the answer leaves it (pion/dtls), checking the
//     server's certificate against the answer's fingerprint, then SRTP keys
//     from the DTLS exporter (pion/srtp). The client prefers AES-CM unless
//     StackParams.PreferGCM: the profile it reports shows what the DTLS
//     server (Earshot) chose.
//   - RTP in: decrypted on the hub's goroutine (replay protection off, so
//     a duplicated packet reaches the caller and can be counted) and handed
//     to OnPacket. RTCP in is ignored; none is sent.
//
// It is a test tool for Earshot on Linux loopback, not a general WebRTC
// stack: no trickle, no TURN, no renegotiation, one candidate, IPv4 only.
package leanrtc
