package media

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// chromeOffer is shaped like Chromium's offer for Earshot's client: one
// sendrecv and two recvonly audio m-lines, all BUNDLEd.
var chromeOffer = strings.Join([]string{
	"v=0",
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1",
	"s=-",
	"t=0 0",
	"a=group:BUNDLE 0 1 2",
	"a=extmap-allow-mixed",
	"a=msid-semantic: WMS 3c5d9e",
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
	"c=IN IP4 0.0.0.0",
	"a=rtcp:9 IN IP4 0.0.0.0",
	"a=ice-ufrag:Xy1z",
	"a=ice-pwd:k9dYq2kR3vPp0bq3n8s1Lw7M",
	"a=ice-options:trickle",
	"a=fingerprint:sha-256 5E:2C:7D:71:11:D8:CE:0B:8E:1E:29:9A:46:3C:A9:F4:60:66:2B:0B:3D:CC:9C:0F:18:72:F2:42:1B:7E:A1:55",
	"a=setup:actpass",
	"a=mid:0",
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	"a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
	"a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
	"a=sendrecv",
	"a=msid:3c5d9e 8f7e6d",
	"a=rtcp-mux",
	"a=rtcp-rsize",
	"a=rtpmap:111 opus/48000/2",
	"a=rtcp-fb:111 transport-cc",
	"a=fmtp:111 minptime=10;useinbandfec=1",
	"a=rtpmap:63 red/48000/2",
	"a=fmtp:63 111/111",
	"a=rtpmap:9 G722/8000",
	"a=rtpmap:0 PCMU/8000",
	"a=rtpmap:8 PCMA/8000",
	"a=rtpmap:13 CN/8000",
	"a=rtpmap:110 telephone-event/48000",
	"a=rtpmap:126 telephone-event/8000",
	"a=ssrc:1645432131 cname:Qx9Kb1l0nG2mR8hT",
	"a=ssrc:1645432131 msid:3c5d9e 8f7e6d",
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
	"c=IN IP4 0.0.0.0",
	"a=rtcp:9 IN IP4 0.0.0.0",
	"a=ice-ufrag:Xy1z",
	"a=ice-pwd:k9dYq2kR3vPp0bq3n8s1Lw7M",
	"a=fingerprint:sha-256 5E:2C:7D:71:11:D8:CE:0B:8E:1E:29:9A:46:3C:A9:F4:60:66:2B:0B:3D:CC:9C:0F:18:72:F2:42:1B:7E:A1:55",
	"a=setup:actpass",
	"a=mid:1",
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"a=recvonly",
	"a=rtcp-mux",
	"a=rtpmap:111 opus/48000/2",
	"a=fmtp:111 minptime=10;useinbandfec=1",
	"a=rtpmap:0 PCMU/8000",
	"m=audio 9 UDP/TLS/RTP/SAVPF 111",
	"c=IN IP4 0.0.0.0",
	"a=ice-ufrag:Xy1z",
	"a=ice-pwd:k9dYq2kR3vPp0bq3n8s1Lw7M",
	"a=fingerprint:sha-256 5E:2C:7D:71:11:D8:CE:0B:8E:1E:29:9A:46:3C:A9:F4:60:66:2B:0B:3D:CC:9C:0F:18:72:F2:42:1B:7E:A1:55",
	"a=setup:actpass",
	"a=mid:2",
	"a=recvonly",
	"a=rtcp-mux",
	"a=rtpmap:111 opus/48000/2",
	"",
}, "\r\n")

// firefoxOffer is shaped like Firefox's: session-level fingerprint, its
// own extmap IDs, and the receive m-lines bundle-only with port 0 (JSEP's
// max-bundle).
var firefoxOffer = strings.Join([]string{
	"v=0",
	"o=mozilla...THIS_IS_SDPARTA-99.0 7060934402355410745 0 IN IP4 0.0.0.0",
	"s=-",
	"t=0 0",
	"a=fingerprint:sha-256 9F:13:0A:6D:8A:7C:2B:55:47:1E:3C:BD:4C:6A:1F:95:2D:0E:8A:7B:AC:F0:61:7E:2E:4B:C2:8F:3A:D1:C7:90",
	"a=group:BUNDLE 0 1 2",
	"a=ice-options:trickle",
	"a=msid-semantic:WMS *",
	"m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101",
	"c=IN IP4 0.0.0.0",
	"a=sendrecv",
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level",
	"a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid",
	"a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1",
	"a=fmtp:101 0-15",
	"a=ice-pwd:b5d7c3a0e4f6a1b2c3d4e5f6a7b8c9d0",
	"a=ice-ufrag:4f2a9c1e",
	"a=mid:0",
	"a=msid:{d2c3} {a1b2}",
	"a=rtcp-mux",
	"a=rtpmap:109 opus/48000/2",
	"a=rtpmap:9 G722/8000/1",
	"a=rtpmap:0 PCMU/8000",
	"a=rtpmap:8 PCMA/8000",
	"a=rtpmap:101 telephone-event/8000",
	"a=setup:actpass",
	"a=ssrc:3420593316 cname:{7e5f4a3b-2c1d-4e0f-9a8b-7c6d5e4f3a2b}",
	"m=audio 0 UDP/TLS/RTP/SAVPF 109 9 0 8 101",
	"c=IN IP4 0.0.0.0",
	"a=bundle-only",
	"a=recvonly",
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1",
	"a=ice-pwd:b5d7c3a0e4f6a1b2c3d4e5f6a7b8c9d0",
	"a=ice-ufrag:4f2a9c1e",
	"a=mid:1",
	"a=rtcp-mux",
	"a=rtpmap:109 opus/48000/2",
	"a=setup:actpass",
	"m=audio 0 UDP/TLS/RTP/SAVPF 109",
	"c=IN IP4 0.0.0.0",
	"a=bundle-only",
	"a=recvonly",
	"a=ice-pwd:b5d7c3a0e4f6a1b2c3d4e5f6a7b8c9d0",
	"a=ice-ufrag:4f2a9c1e",
	"a=mid:2",
	"a=rtcp-mux",
	"a=rtpmap:109 opus/48000/2",
	"a=setup:actpass",
	"",
}, "\r\n")

// FuzzParseOffer fuzzes the SDP offer parser (validateOffer and
// parseOffer) and the answer built from what it accepts. A refused offer
// wraps ErrBadOffer. An accepted one must, by an independent reading of
// the SDP, have exactly the configured number of audio m-lines, each
// offering Opus at 48 kHz under the dynamic payload type the slot will
// write with, in use (port set, or bundle-only), with a unique mid of at
// most 32 bytes in the one BUNDLE group, ICE credentials of ice-chars and
// fingerprints of their hash's size; and the answer must parse with one
// m-line per offered one, in order, with the same mids, the BUNDLE group in
// the offer's order, and stay proportionate to the offer.
func FuzzParseOffer(f *testing.F) {
	for _, s := range []struct {
		offer string
		slots uint8
	}{
		{chromeOffer, 3},
		{firefoxOffer, 3},
		{transportOffer, 3},
		{chromeOffer, 2},
		{strings.Replace(chromeOffer, "a=mid:1", "a=mid:0", 1), 3},
		{strings.Replace(chromeOffer, "opus/48000/2", "opus/+48000/2", 1), 3},
		{strings.Replace(chromeOffer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 0", 1), 3},
		{strings.Replace(chromeOffer, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n", 1), 3},
		{strings.Replace(chromeOffer, "a=extmap:1 urn", "a=extmap:15 urn", 1), 3},
		{strings.Replace(chromeOffer, "a=setup:actpass", "a=setup:passive", 3), 3},
		{"v=0\r\nm=audio 9 RTP/AVP 0\r\n", 1},
		{"", 1},
	} {
		f.Add(s.offer, s.slots-1)
	}
	// The real browser offers the media tests are built from.
	files, err := filepath.Glob(filepath.Join("testdata", "offers", "*.sdp"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no browser offers in testdata/offers: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw string, slotsIn uint8) {
		if len(raw) > 2*maxOfferBytes {
			return // refused unread; larger inputs only slow the fuzzer
		}
		slots := 1 + int(slotsIn%4)
		ot, err := parseOffer(raw, slots)
		if err != nil {
			if !errors.Is(err, ErrBadOffer) {
				t.Fatalf("error %v does not wrap ErrBadOffer", err)
			}
			return
		}
		if verr := validateOffer(raw, slots); verr != nil {
			t.Fatalf("parseOffer accepted what validateOffer refuses: %v", verr)
		}
		checkAcceptedOffer(t, raw, slots, ot)
		checkAnswer(t, raw, ot)
	})
}

// checkAcceptedOffer reads an accepted offer again, independently of
// parseOffer's loops.
func checkAcceptedOffer(t *testing.T, raw string, slots int, ot offerTransport) {
	t.Helper()
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(raw); err != nil {
		t.Fatalf("accepted an offer that does not parse: %v", err)
	}
	if len(desc.MediaDescriptions) != slots || len(ot.lines) != slots {
		t.Fatalf("accepted %d m-lines (%d lines) for %d slots", len(desc.MediaDescriptions), len(ot.lines), slots)
	}
	iceChars := func(s string) bool {
		return s != "" && len(s) <= 256 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") == ""
	}
	if !iceChars(ot.ufrag) || !iceChars(ot.pwd) {
		t.Fatalf("ice credentials %q %q", ot.ufrag, ot.pwd)
	}
	if len(ot.fingerprints) == 0 {
		t.Fatal("accepted without a fingerprint")
	}
	for _, fp := range ot.fingerprints {
		if fp.hash == 0 || len(fp.sum) != fp.hash.Size() {
			t.Fatalf("fingerprint of %d bytes for %v", len(fp.sum), fp.hash)
		}
	}
	var bundle []string
	for _, a := range desc.Attributes {
		if f := strings.Fields(a.Value); a.Key == "group" && len(f) > 0 && f[0] == "BUNDLE" {
			bundle = f[1:]
		}
	}
	mids := map[string]bool{}
	for i, md := range desc.MediaDescriptions {
		line := ot.lines[i]
		_, bundleOnly := md.Attribute("bundle-only")
		switch {
		case md.MediaName.Media != "audio":
			t.Fatalf("m-line %d is %q", i, md.MediaName.Media)
		case md.MediaName.Port.Value == 0 && !bundleOnly:
			t.Fatalf("m-line %d rejected (port 0) yet accepted", i)
		case line.mid == "" || len(line.mid) > 32 || strings.ContainsAny(line.mid, " \t\r\n") || !slices.Contains(bundle, line.mid):
			t.Fatalf("m-line %d mid %q, BUNDLE %q", i, line.mid, bundle)
		case mids[line.mid]:
			t.Fatalf("mid %q used twice", line.mid)
		case line.pt < 96 || line.pt > 127 || !offersOpusAs(md, line.pt):
			t.Fatalf("m-line %d: slot writes payload type %d, which the m-line does not offer as opus/48000", i, line.pt)
		case line.audioLevelID > 14:
			t.Fatalf("m-line %d audio level ID %d", i, line.audioLevelID)
		}
		mids[line.mid] = true
		if line.audioLevelID != 0 && !slices.ContainsFunc(md.Attributes, func(a sdp.Attribute) bool {
			f := strings.Fields(a.Value)
			return a.Key == "extmap" && len(f) >= 2 && f[1] == audioLevelURI && strings.Split(f[0], "/")[0] == strconv.Itoa(int(line.audioLevelID))
		}) {
			t.Fatalf("m-line %d: audio level ID %d not offered", i, line.audioLevelID)
		}
	}
	if len(bundle) != slots {
		t.Fatalf("BUNDLE group %q for %d m-lines", bundle, slots)
	}
}

// offersOpusAs reports whether md lists pt with an rtpmap naming Opus at
// 48 kHz.
func offersOpusAs(md *sdp.MediaDescription, pt uint8) bool {
	is := func(s string) bool { n, err := strconv.ParseUint(s, 10, 8); return err == nil && n == uint64(pt) }
	if !slices.ContainsFunc(md.MediaName.Formats, is) {
		return false
	}
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		p, codec, _ := strings.Cut(a.Value, " ")
		name, rest, _ := strings.Cut(strings.TrimSpace(codec), "/")
		rate, _, _ := strings.Cut(rest, "/")
		if n, err := strconv.Atoi(rate); err == nil && n == opusClockRate && is(p) && strings.EqualFold(name, "opus") {
			return true
		}
	}
	return false
}

// checkAnswer builds the answer to an accepted offer and reads it back.
func checkAnswer(t *testing.T, raw string, ot offerTransport) {
	t.Helper()
	ssrcs := make([]uint32, len(ot.lines))
	for i := range ssrcs {
		ssrcs[i] = uint32(1000 + i)
	}
	answer := buildAnswer(answerParams{
		offer: ot, ufrag: "SrvUfragFuzz0001", pwd: fuzzLocalPwd, fingerprint: "sha-256 " + strings.Repeat("AB:", 31) + "AB",
		candidates: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:3478")}, ssrcs: ssrcs, cname: "fuzzcname", sessionID: 1,
	})
	if len(answer) > 2048*len(ot.lines)+2*len(raw) {
		t.Fatalf("answer of %d bytes to an offer of %d", len(answer), len(raw))
	}
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(answer); err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, answer)
	}
	if len(desc.MediaDescriptions) != len(ot.lines) {
		t.Fatalf("answer has %d m-lines for %d offered:\n%s", len(desc.MediaDescriptions), len(ot.lines), answer)
	}
	group, _ := desc.Attribute("group")
	if f := strings.Fields(group); len(f) != len(ot.lines)+1 || f[0] != "BUNDLE" || !slices.Equal(f[1:], ot.bundle) {
		t.Fatalf("answer's group %q, offer's BUNDLE %q", group, ot.bundle)
	}
	for i, md := range desc.MediaDescriptions {
		mid, _ := md.Attribute("mid")
		if mid != ot.lines[i].mid || !slices.Contains(ot.bundle, mid) {
			t.Fatalf("answer m-line %d has mid %q, offer %q", i, mid, ot.lines[i].mid)
		}
		// Opus, then the offer's telephone-event if it had one (RFC 4733),
		// which must be another payload type than Opus's.
		want := []string{strconv.Itoa(int(ot.lines[i].pt))}
		if dpt := ot.lines[i].dtmfPT; dpt != 0 {
			if dpt == ot.lines[i].pt || dpt < 96 || dpt > 127 {
				t.Fatalf("m-line %d: telephone-event payload type %d (opus %d)", i, dpt, ot.lines[i].pt)
			}
			want = append(want, strconv.Itoa(int(dpt)))
			rtpmap := fmt.Sprintf("%d telephone-event/%d", dpt, ot.lines[i].dtmfRate)
			if got, _ := md.Attribute("rtpmap"); !strings.Contains(answer, "a=rtpmap:"+rtpmap+"\r\n") || got == "" {
				t.Fatalf("answer m-line %d lacks a=rtpmap:%s", i, rtpmap)
			}
		}
		if !slices.Equal(md.MediaName.Formats, want) {
			t.Fatalf("answer m-line %d formats %q, want %q", i, md.MediaName.Formats, want)
		}
	}
}
