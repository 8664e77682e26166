package leanrtc

import (
	"fmt"
	"net/netip"
	"strings"
)

// Negotiated media constants; they match what Earshot registers.
const (
	opusPayloadType = 111
	// offeredAudioLevelID is the extension ID this client offers for the
	// RFC 6464 audio level; the answer may echo another.
	offeredAudioLevelID = 1
	audioLevelURI       = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
)

// offerParams is everything that varies between offers.
type offerParams struct {
	ufrag, pwd  string
	fingerprint string // "sha-256 AB:..."
	ssrc        uint32
	cname       string
	addr        netip.AddrPort // the one host candidate
	slots       int
}

// buildOffer writes the Earshot slot layout: slots audio m-lines in one
// BUNDLE group, the first sendrecv (microphone + slot 0) and the others
// recvonly, each offering only Opus. ICE credentials, fingerprint and setup
// are repeated per m-line as browsers do; the candidate is on the first.
func buildOffer(p offerParams) string {
	var b strings.Builder
	mids := make([]string, p.slots)
	for i := range mids {
		mids[i] = fmt.Sprint(i)
	}
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", p.ssrc)
	fmt.Fprintf(&b, "a=group:BUNDLE %s\r\na=msid-semantic: WMS %s\r\n", strings.Join(mids, " "), p.cname)
	for i := range p.slots {
		fmt.Fprintf(&b, "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n", opusPayloadType)
		if i == 0 {
			fmt.Fprintf(&b, "a=candidate:1 1 udp 2130706431 %s %d typ host\r\na=end-of-candidates\r\n",
				p.addr.Addr(), p.addr.Port())
		}
		fmt.Fprintf(&b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:actpass\r\na=mid:%d\r\n",
			p.ufrag, p.pwd, p.fingerprint, i)
		fmt.Fprintf(&b, "a=extmap:%d %s\r\n", offeredAudioLevelID, audioLevelURI)
		if i == 0 {
			b.WriteString("a=sendrecv\r\n")
			fmt.Fprintf(&b, "a=msid:%s %s-mic\r\n", p.cname, p.cname)
		} else {
			b.WriteString("a=recvonly\r\n")
		}
		b.WriteString("a=rtcp-mux\r\n")
		fmt.Fprintf(&b, "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n", opusPayloadType, opusPayloadType)
		if i == 0 {
			fmt.Fprintf(&b, "a=ssrc:%d cname:%s\r\na=ssrc:%d msid:%s %s-mic\r\n", p.ssrc, p.cname, p.ssrc, p.cname, p.cname)
		}
	}
	return b.String()
}
