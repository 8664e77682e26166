package media

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// answerParams is what an answer needs besides the offer.
type answerParams struct {
	offer       offerTransport
	ufrag, pwd  string
	fingerprint string // "sha-256 AB:..."
	candidates  []netip.AddrPort
	// tcpCandidates are the passive ICE-TCP candidates (RFC 6544),
	// advertised after the UDP ones at a lower priority.
	tcpCandidates []netip.AddrPort
	// ssrcs are the slots' SSRCs, one per m-line.
	ssrcs []uint32
	// cname is the leg's RTCP CNAME, repeated in its SDES packets.
	cname string
	// sessionID is the o= line's session id.
	sessionID uint64
}

// buildAnswer writes the answer: ICE-lite (the server only answers checks),
// one BUNDLEd transport, setup:passive (the client connects, and the DTLS
// server — this side — picks the SRTP profile: AEAD-AES-GCM first), and per
// m-line the client's Opus payload type and audio-level extension ID, the
// slot's SSRC and its own stream, so a browser plays each slot through its
// own MediaStream, and the client's telephone-event payload type when it
// offered one (RFC 4733 DTMF: dtmf.go). The first m-line is sendrecv (the microphone and slot
// 0), the others sendonly. Every accepted m-line gets port 9, the ones
// offered bundle-only included, as browsers' own answers do: the tagged
// m-line's transport carries them all.
func buildAnswer(p answerParams) string {
	var b strings.Builder
	setup := "passive"
	if p.offer.dtlsClient {
		setup = "active"
	}
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", p.sessionID)
	b.WriteString("a=ice-lite\r\n")
	// The offer's group order: its tagged m-line stays the tagged one.
	fmt.Fprintf(&b, "a=group:BUNDLE %s\r\na=msid-semantic: WMS *\r\n", strings.Join(p.offer.bundle, " "))
	for i, l := range p.offer.lines {
		formats := strconv.Itoa(int(l.pt))
		if l.dtmfPT != 0 {
			formats += " " + strconv.Itoa(int(l.dtmfPT))
		}
		fmt.Fprintf(&b, "m=audio 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n", formats)
		if i == p.offer.tagged {
			for j, c := range p.candidates {
				fmt.Fprintf(&b, "a=candidate:%d 1 udp %d %s %d typ host\r\n", j+1, candidatePriority(j), c.Addr(), c.Port())
			}
			for j, c := range p.tcpCandidates {
				fmt.Fprintf(&b, "a=candidate:%d 1 tcp %d %s %d typ host tcptype passive\r\n",
					len(p.candidates)+j+1, tcpCandidatePriority(j), c.Addr(), c.Port())
			}
			b.WriteString("a=end-of-candidates\r\n")
		}
		fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:%s\r\na=mid:%s\r\n",
			p.ufrag, p.pwd, p.fingerprint, setup, l.mid)
		if l.audioLevelID != 0 {
			fmt.Fprintf(&b, "a=extmap:%d %s\r\n", l.audioLevelID, audioLevelURI)
		}
		dir := "sendonly"
		if i == 0 {
			dir = "sendrecv"
		}
		stream, track := fmt.Sprintf("earshot-slot%d", i), fmt.Sprintf("slot%d", i)
		fmt.Fprintf(&b, "a=%s\r\na=msid:%s %s\r\na=rtcp-mux\r\n", dir, stream, track)
		fmt.Fprintf(&b, "a=rtpmap:%d opus/%d/%d\r\na=fmtp:%d %s\r\n", l.pt, opusClockRate, opusChannels, l.pt, opusFmtp)
		if l.dtmfPT != 0 {
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/%d\r\na=fmtp:%d %s\r\n", l.dtmfPT, l.dtmfRate, l.dtmfPT, dtmfFmtp)
		}
		fmt.Fprintf(&b, "a=ssrc:%d cname:%s\r\na=ssrc:%d msid:%s %s\r\n", p.ssrcs[i], p.cname, p.ssrcs[i], stream, track)
	}
	return b.String()
}

// candidatePriority is the RFC 8445 priority of the i-th host candidate:
// type preference 126 (host), local preference decreasing with i,
// component 1.
func candidatePriority(i int) uint32 {
	local := uint32(65535 - min(i, 65535))
	return 126<<24 | local<<8 | (256 - 1)
}

// tcpCandidatePriority is the RFC 6544 (section 4.2) priority of the i-th
// passive TCP host candidate: the same formula and type preference, with
// local preference 2^13 * direction-pref (4: passive) + other-pref
// (8191, decreasing with i). It is below every UDP host candidate's, so a
// client prefers UDP whenever UDP works.
func tcpCandidatePriority(i int) uint32 {
	const passive = 4
	local := uint32(passive<<13 + 8191 - min(i, 8191))
	return 126<<24 | local<<8 | (256 - 1)
}
