package media

import (
	"crypto"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Offers captured from real browsers creating Earshot's leg (one sendrecv
// audio transceiver with a microphone, two recvonly), complete after ICE
// gathering, as the SDK sends them. Each standards case below is built by
// editing one of them, so every test starts from what a browser produced.
func readOffer(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "offers", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBrowserOffers accepts every captured browser offer and checks what
// is taken from it.
func TestBrowserOffers(t *testing.T) {
	cases := []struct {
		file      string
		pt        uint8 // Opus payload type on every m-line
		levelID   uint8 // ssrc-audio-level extension ID
		dtlsRole  bool  // dtlsClient
		micSSRC   uint32
		bundleStr string
		// dtmfPT/dtmfRate: the telephone-event answered (RFC 4733).
		dtmfPT   uint8
		dtmfRate int
	}{
		// Firefox's default (balanced): m-lines 1 and 2 bundle-only with
		// port 0; mDNS and TCP-active candidates; Opus on 109.
		// Firefox offers only telephone-event/8000 (101).
		{"firefox-153-balanced.sdp", 109, 1, false, 757967560, "0 1 2", 101, 8000},
		// Firefox max-compat: every m-line has its own port, same bundle.
		{"firefox-153-max-compat.sdp", 109, 1, false, 0, "0 1 2", 101, 8000},
		// Chromium: all ports 9, Opus 111, credentials per m-line.
		// Chromium offers telephone-event/48000 (110) and /8000 (126):
		// the one at Opus's clock rate is taken.
		{"chromium-156.sdp", 111, 1, false, 0, "0 1 2", 110, 48000},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw := readOffer(t, c.file)
			ot, err := parseOffer(raw, 3)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got := strings.Join(ot.bundle, " "); got != c.bundleStr || ot.tagged != 0 {
				t.Errorf("bundle %q tagged %d", got, ot.tagged)
			}
			for i, l := range ot.lines {
				if l.pt != c.pt || l.audioLevelID != c.levelID || l.dtmfPT != c.dtmfPT || l.dtmfRate != c.dtmfRate {
					t.Errorf("line %d = %+v, want pt %d level id %d dtmf %d/%d", i, l, c.pt, c.levelID, c.dtmfPT, c.dtmfRate)
				}
			}
			if ot.dtlsClient != c.dtlsRole || ot.ufrag == "" || ot.pwd == "" || len(ot.fingerprints) != 1 || ot.fingerprints[0].hash != crypto.SHA256 {
				t.Errorf("transport %+v", ot)
			}
			if c.micSSRC != 0 && ot.micSSRC != c.micSSRC {
				t.Errorf("mic ssrc %d, want %d", ot.micSSRC, c.micSSRC)
			}
			// The answer keeps every m-line (port 9), the offer's group
			// order and the candidates on the tagged m-line.
			answer := buildAnswer(answerParams{offer: ot, ufrag: "u", pwd: "p", fingerprint: "sha-256 AA", candidates: testCandidates(), ssrcs: []uint32{1, 2, 3}, cname: "c", sessionID: 1})
			if n := strings.Count(answer, "m=audio 9 "); n != 3 {
				t.Errorf("answer has %d accepted m-lines:\n%s", n, answer)
			}
			if !strings.Contains(answer, "a=group:BUNDLE "+c.bundleStr+"\r\n") || strings.Contains(answer, "bundle-only") {
				t.Errorf("answer bundle:\n%s", answer)
			}
			// Every m-line answers Opus and the one telephone-event.
			mline := fmt.Sprintf("m=audio 9 UDP/TLS/RTP/SAVPF %d %d\r\n", c.pt, c.dtmfPT)
			rtpmap := fmt.Sprintf("a=rtpmap:%d telephone-event/%d\r\na=fmtp:%d 0-15\r\n", c.dtmfPT, c.dtmfRate, c.dtmfPT)
			if strings.Count(answer, mline) != 3 || strings.Count(answer, rtpmap) != 3 || strings.Count(answer, "telephone-event") != 3 {
				t.Errorf("answer dtmf, want %q and %q on every m-line:\n%s", mline, rtpmap, answer)
			}
		})
	}
}

// TestOfferStandardsCases covers what a standards-following browser may
// offer besides the captured defaults (JSEP, RFC 8829; BUNDLE, RFC 8843;
// fingerprints, RFC 8122; ICE SDP, RFC 8839), each as an edit of a real
// offer, and the malformed variants that must be refused with a reason.
func TestOfferStandardsCases(t *testing.T) {
	firefox := readOffer(t, "firefox-153-balanced.sdp")
	chromium := readOffer(t, "chromium-156.sdp")
	// mline returns the i-th m-section of s ("m=" up to the next "m=").
	section := func(s string, i int) (start, end int) {
		idx := -1
		for n := 0; n <= i; n++ {
			idx += 1 + strings.Index(s[idx+1:], "\r\nm=") + 2
		}
		next := strings.Index(s[idx:], "\r\nm=")
		if next < 0 {
			return idx, len(s)
		}
		return idx, idx + next + 2
	}
	inSection := func(s string, i int, old, repl string) string {
		a, b := section(s, i)
		if !strings.Contains(s[a:b], old) {
			t.Fatalf("m-line %d has no %q", i, old)
		}
		return s[:a] + strings.Replace(s[a:b], old, repl, 1) + s[b:]
	}
	// withPort sets the port of m-line i.
	withPort := func(s string, i int, port string) string {
		a, b := section(s, i)
		return s[:a] + mPort.ReplaceAllString(s[a:b], "${1}"+port+" ") + s[b:]
	}
	dropAttr := func(s, prefix string) string {
		var out []string
		for _, l := range strings.Split(s, "\r\n") {
			if !strings.HasPrefix(l, prefix) {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\r\n")
	}
	// Chromium with its credentials and fingerprint moved to the session
	// level only (allowed by RFC 8839 / 8122; some stacks do it).
	sessionLevel := func() string {
		var creds []string
		for _, l := range strings.Split(chromium, "\r\n") {
			if strings.HasPrefix(l, "a=ice-ufrag:") || strings.HasPrefix(l, "a=ice-pwd:") || strings.HasPrefix(l, "a=fingerprint:") {
				creds = append(creds, l)
				if len(creds) == 3 {
					break
				}
			}
		}
		s := dropAttr(dropAttr(dropAttr(chromium, "a=ice-ufrag:"), "a=ice-pwd:"), "a=fingerprint:")
		return strings.Replace(s, "t=0 0\r\n", "t=0 0\r\n"+strings.Join(creds, "\r\n")+"\r\n", 1)
	}()

	accepted := []struct {
		name  string
		offer string
		check func(t *testing.T, ot offerTransport)
	}{
		{"chromium with every m-line bundle-only but the first", strings.NewReplacer("a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n", "a=mid:2\r\n", "a=mid:2\r\na=bundle-only\r\n").Replace(withPort(withPort(chromium, 1, "0"), 2, "0")), nil},
		{"firefox without bundle-only (max-bundle off)", strings.ReplaceAll(strings.ReplaceAll(firefox, "m=audio 0 ", "m=audio 9 "), "a=bundle-only\r\n", ""), nil},
		{"credentials and fingerprint at session level only", sessionLevel, func(t *testing.T, ot offerTransport) {
			if ot.ufrag == "" || len(ot.fingerprints) != 1 {
				t.Fatalf("%+v", ot)
			}
		}},
		{"two fingerprints (sha-256 and sha-512)", strings.Replace(firefox, "a=group:BUNDLE", "a=fingerprint:sha-512 "+strings.Repeat("0A:", 63)+"0A\r\na=group:BUNDLE", 1), func(t *testing.T, ot offerTransport) {
			if len(ot.fingerprints) != 2 || ot.fingerprints[1].hash != crypto.SHA512 {
				t.Fatalf("%+v", ot.fingerprints)
			}
		}},
		{"an unknown fingerprint hash beside a known one", strings.Replace(firefox, "a=group:BUNDLE", "a=fingerprint:sha-3-256 01:02\r\na=group:BUNDLE", 1), func(t *testing.T, ot offerTransport) {
			if len(ot.fingerprints) != 1 {
				t.Fatalf("%+v", ot.fingerprints)
			}
		}},
		{"setup:passive makes this side the DTLS client", strings.ReplaceAll(firefox, "a=setup:actpass", "a=setup:passive"), func(t *testing.T, ot offerTransport) {
			if !ot.dtlsClient {
				t.Fatal("not DTLS client")
			}
		}},
		{"setup:active (a renegotiating Safari)", strings.ReplaceAll(chromium, "a=setup:actpass", "a=setup:active"), func(t *testing.T, ot offerTransport) {
			if ot.dtlsClient {
				t.Fatal("DTLS client")
			}
		}},
		{"tagged m-line is not the first (group order 1 0 2)", strings.Replace(chromium, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 1 0 2", 1), func(t *testing.T, ot offerTransport) {
			if ot.tagged != 1 || ot.bundle[0] != "1" {
				t.Fatalf("tagged %d bundle %v", ot.tagged, ot.bundle)
			}
			answer := buildAnswer(answerParams{offer: ot, ufrag: "u", pwd: "p", fingerprint: "sha-256 AA", candidates: testCandidates(), ssrcs: []uint32{1, 2, 3}, cname: "c", sessionID: 1})
			a, b := section(answer, 1)
			if !strings.Contains(answer, "a=group:BUNDLE 1 0 2\r\n") || !strings.Contains(answer[a:b], "a=candidate:") {
				t.Fatalf("answer:\n%s", answer)
			}
		}},
		{"no audio-level extension", dropAttr(firefox, "a=extmap:1 "), func(t *testing.T, ot offerTransport) {
			if ot.lines[0].audioLevelID != 0 {
				t.Fatalf("%+v", ot.lines[0])
			}
		}},
		{"audio level on another id with a direction", strings.ReplaceAll(firefox, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=extmap:12/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level"), func(t *testing.T, ot offerTransport) {
			if ot.lines[2].audioLevelID != 12 {
				t.Fatalf("%+v", ot.lines[2])
			}
		}},
		{"opus not first in the format list", strings.Replace(chromium, "UDP/TLS/RTP/SAVPF 111 ", "UDP/TLS/RTP/SAVPF 0 8 111 ", 1), nil},
		{"no candidates at all (ICE-lite does not need them)", dropAttr(dropAttr(firefox, "a=candidate:"), "a=end-of-candidates"), nil},
		{"IPv6 connection line", strings.ReplaceAll(chromium, "c=IN IP4 0.0.0.0", "c=IN IP6 ::"), nil},
	}
	for _, c := range accepted {
		t.Run("accept/"+c.name, func(t *testing.T) {
			ot, err := parseOffer(c.offer, 3)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.check != nil {
				c.check(t, ot)
			}
		})
	}

	refused := []struct{ name, offer, reason string }{
		{"a rejected m-line (port 0, not bundle-only)", withPort(chromium, 1, "0"), "m-line 1 is rejected (port 0)"},
		{"bundle-only outside the BUNDLE group", strings.Replace(firefox, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 2", 1), "m-line 1 is bundle-only (port 0) but not bundled"},
		{"the tagged m-line is bundle-only", strings.Replace(firefox, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 1 0 2", 1), "m-line 1 is bundle-only"},
		{"bundle-only with no BUNDLE group", dropAttr(firefox, "a=group:"), "bundle-only (port 0) but not bundled"},
		{"a group naming a mid no m-line has", strings.Replace(chromium, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 3", 1), "names 4 mids for 3 m-lines"},
		{"repeated mid", inSection(inSection(chromium, 2, "a=mid:2", "a=mid:1"), 0, "a=mid:0", "a=mid:0"), "repeats mid 1"},
		{"ice credentials outside ice-char", strings.ReplaceAll(firefox, "a=ice-ufrag:e6eb633b", "a=ice-ufrag:e6eb\"633b"), "ice-char"},
		{"only unknown fingerprint hashes", strings.ReplaceAll(firefox, "a=fingerprint:sha-256", "a=fingerprint:sha-3-256"), "no usable certificate fingerprint"},
		{"malformed sha-256 beside a good sha-512", strings.Replace(firefox, "a=group:BUNDLE", "a=fingerprint:sha-512 "+strings.Repeat("0A:", 63)+"0A\r\na=fingerprint:sha-256 ZZ\r\na=group:BUNDLE", 1), "malformed"},
		{"setup:holdconn", strings.ReplaceAll(firefox, "a=setup:actpass", "a=setup:holdconn"), "setup:holdconn"},
		{"opus on a static payload type", strings.ReplaceAll(strings.ReplaceAll(firefox, "a=rtpmap:109 opus", "a=rtpmap:9 opus"), "a=rtpmap:9 G722/8000/1", "a=rtpmap:109 G722/8000/1"), "offers no opus"},
		{"oversized", firefox + strings.Repeat("a=x-padding:"+strings.Repeat("x", 1000)+"\r\n", 70), "bytes, at most"},
	}
	for _, c := range refused {
		t.Run("refuse/"+c.name, func(t *testing.T) {
			_, err := parseOffer(c.offer, 3)
			if !errors.Is(err, ErrBadOffer) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("got %v, want ErrBadOffer with %q", err, c.reason)
			}
		})
	}
}

// mPort matches an m-line's port.
var mPort = regexp.MustCompile(`^(m=audio )\d+ `)

func testCandidates() []netip.AddrPort {
	return []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:3478")}
}

// TestOfferWithoutDTMF answers an offer without telephone-event with Opus
// alone: the leg then has no DTMF, and every packet it sends is audio.
func TestOfferWithoutDTMF(t *testing.T) {
	raw := readOffer(t, "chromium-156.sdp")
	var kept []string
	for _, line := range strings.Split(raw, "\r\n") {
		if strings.Contains(line, "telephone-event") {
			continue
		}
		if strings.HasPrefix(line, "m=audio") {
			line = strings.NewReplacer(" 110", "", " 126", "").Replace(line)
		}
		kept = append(kept, line)
	}
	ot, err := parseOffer(strings.Join(kept, "\r\n"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if ot.lines[0].dtmfPT != 0 {
		t.Fatalf("dtmf pt %d from an offer without telephone-event", ot.lines[0].dtmfPT)
	}
	answer := buildAnswer(answerParams{offer: ot, ufrag: "u", pwd: "p", fingerprint: "sha-256 AA", candidates: testCandidates(), ssrcs: []uint32{1, 2, 3}, cname: "c", sessionID: 1})
	if strings.Contains(answer, "telephone-event") || strings.Count(answer, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") != 3 {
		t.Fatalf("answer:\n%s", answer)
	}
}
