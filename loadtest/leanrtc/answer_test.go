package leanrtc

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

const sampleAnswer = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE 0 1 2\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" +
	"a=candidate:1 1 udp 2130706431 2001:db8::1 3478 typ host\r\n" +
	"a=candidate:2 1 udp 2130706175 127.0.0.1 3478 typ host\r\n" +
	"a=ice-ufrag:srv\r\na=ice-pwd:serverpasswordserverpassword\r\n" +
	"a=fingerprint:sha-256 ab:cd\r\na=setup:passive\r\na=mid:0\r\n" +
	"a=extmap:4 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"

func TestParseAnswer(t *testing.T) {
	a, err := parseAnswer(sampleAnswer)
	if err != nil {
		t.Fatal(err)
	}
	if a.ufrag != "srv" || a.fingerprint != "AB:CD" || a.role != roleClient || a.audioLevelID != 4 ||
		a.candidate != netip.MustParseAddrPort("127.0.0.1:3478") {
		t.Fatalf("%+v", a)
	}
	if a, err := parseAnswer(strings.Replace(sampleAnswer, "setup:passive", "setup:active", 1)); err != nil || a.role != roleServer {
		t.Fatalf("active: %+v %v", a, err)
	}
	bad := map[string]string{
		"no ice":         strings.Replace(sampleAnswer, "a=ice-ufrag:srv\r\n", "", 1),
		"no fingerprint": strings.Replace(sampleAnswer, "sha-256", "sha-1", 1),
		"actpass":        strings.Replace(sampleAnswer, "setup:passive", "setup:actpass", 1),
		"no ipv4":        strings.Replace(sampleAnswer, " 127.0.0.1 ", " ::1 ", 1),
		"garbage":        "hello",
	}
	for name, sdp := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := parseAnswer(sdp); !errors.Is(err, ErrBadAnswer) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestBuildOffer(t *testing.T) {
	o := buildOffer(offerParams{ufrag: "u", pwd: "p", fingerprint: "sha-256 AA", ssrc: 5, cname: "c",
		addr: netip.MustParseAddrPort("127.100.0.9:4000"), slots: 3})
	for _, want := range []string{"a=group:BUNDLE 0 1 2", "a=candidate:1 1 udp 2130706431 127.100.0.9 4000 typ host", "a=ssrc:5 cname:c", "a=setup:actpass"} {
		if !strings.Contains(o, want) {
			t.Errorf("offer lacks %q", want)
		}
	}
	if strings.Count(o, "m=audio") != 3 || strings.Count(o, "a=recvonly") != 2 || strings.Count(o, "a=sendrecv") != 1 {
		t.Errorf("slot layout:\n%s", o)
	}
}
