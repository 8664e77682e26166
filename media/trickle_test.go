package media

import (
	"strings"
	"testing"
)

func TestCheckCandidate(t *testing.T) {
	for _, tc := range []struct {
		cand string
		ok   bool
	}{
		{"", true}, // end of candidates
		{"candidate:842163049 1 udp 1677729535 203.0.113.7 49203 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXAb network-cost 999", true}, // Chromium
		{"candidate:0 1 UDP 2122252543 10.0.0.1 50000 typ host", true},                                                                            // Firefox
		{"candidate:1 1 udp 2122260223 3b2a1c7e-1f7a-4c1e-9f0e-0123456789ab.local 54400 typ host generation 0", true},                             // mDNS
		{"candidate:3 1 tcp 1518280447 10.0.0.1 9 typ host tcptype active", true},
		{"candidate:4 1 udp 100 10.0.0.1 9 typ future-type", true},
		{"1 1 udp 100 10.0.0.1 9 typ host", true}, // without the prefix
		{"candidate:garbage garbage", false},
		{"candidate:1 1 udp 2122260223 10.0.0.1 99999 typ host", false},                        // port
		{"candidate:1 0 udp 2122260223 10.0.0.1 9 typ host", false},                            // component
		{"candidate:1 1 udp 99999999999 10.0.0.1 9 typ host", false},                           // priority
		{"candidate:1 1 udp 1 10.0.0.1 9 type host", false},                                    // "typ"
		{"candidate:1 1 udp 1 10.0.0.1 9 typ host raddr", false},                               // dangling extension
		{"candidate:1 1 udp 1 10.0.0.1 9 typ host " + strings.Repeat("x", 1100) + " y", false}, // length
		{"candidate:1 1 u\x01dp 1 10.0.0.1 9 typ host", false},
	} {
		if got := checkCandidate(tc.cand); got != tc.ok {
			t.Errorf("checkCandidate(%.80q) = %v, want %v", tc.cand, got, tc.ok)
		}
	}
}
