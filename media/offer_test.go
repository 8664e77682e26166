package media

import (
	"errors"
	"strings"
	"testing"
)

// goodOffer is a browser-like offer: one sendrecv and two recvonly audio
// m-lines with Opus.
const goodOffer = "v=0\r\n" +
	"o=- 1 2 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=group:BUNDLE 0 1 2\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=mid:0\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=sendrecv\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=mid:1\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=recvonly\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 109\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=mid:2\r\n" +
	"a=rtpmap:109 OPUS/48000/2\r\n" +
	"a=recvonly\r\n"

func TestValidateOffer(t *testing.T) {
	// m-line i of goodOffer starts at the i-th "m=audio".
	mline := func(s string, i int) (start, end int) {
		idx := -1
		for n := 0; n <= i; n++ {
			next := strings.Index(s[idx+1:], "m=")
			if next < 0 {
				t.Fatalf("no m-line %d", i)
			}
			idx += 1 + next
		}
		rest := strings.Index(s[idx+2:], "m=")
		if rest < 0 {
			return idx, len(s)
		}
		return idx, idx + 2 + rest
	}
	replaceIn := func(i int, old, repl string) string {
		s, e := mline(goodOffer, i)
		return goodOffer[:s] + strings.Replace(goodOffer[s:e], old, repl, 1) + goodOffer[e:]
	}
	// upTo keeps the first n m-lines.
	upTo := func(n int) string {
		s, _ := mline(goodOffer, n)
		return goodOffer[:s]
	}

	cases := []struct {
		name   string
		offer  string
		slots  int
		reason string // substring of the error; "" = valid
	}{
		{"valid", goodOffer, 3, ""},
		{"valid with implicit sendrecv", replaceIn(0, "a=sendrecv\r\n", ""), 3, ""},
		{"one slot", upTo(1), 1, ""},
		{"not sdp", "hello", 3, "unparseable"},
		{"two m-lines when three expected", upTo(2), 3, "2 m-lines"},
		{"four m-lines", goodOffer + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=recvonly\r\n", 3, "4 m-lines"},
		{"video line", replaceIn(1, "m=audio", "m=video"), 3, `m-line 1 is "video"`},
		{"first line recvonly", replaceIn(0, "a=sendrecv", "a=recvonly"), 3, "m-line 0 is recvonly, want sendrecv"},
		{"slot line sendrecv", replaceIn(2, "a=recvonly", "a=sendrecv"), 3, "m-line 2 is sendrecv, want recvonly"},
		{"slot line inactive", replaceIn(1, "a=recvonly", "a=inactive"), 3, "m-line 1 is inactive"},
		{"no opus", replaceIn(1, "opus/48000/2", "PCMA/8000"), 3, "m-line 1 offers no opus"},
		{"opus not in formats", replaceIn(2, "SAVPF 109", "SAVPF 0"), 3, "m-line 2 offers no opus"},
		{"rejected line", replaceIn(1, "m=audio 9", "m=audio 0"), 3, "port 0"},
		{"session recvonly", strings.Replace(replaceIn(0, "a=sendrecv\r\n", ""), "t=0 0\r\n", "t=0 0\r\na=recvonly\r\n", 1), 3, "m-line 0 is recvonly"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := validateOffer(c.offer, c.slots)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBadOffer) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("got %v, want ErrBadOffer with %q", err, c.reason)
			}
		})
	}
}
