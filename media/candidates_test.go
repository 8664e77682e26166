package media

import (
	"errors"
	"net/netip"
	"testing"
)

func TestHostCandidates(t *testing.T) {
	t.Run("public ips replace local ones", func(t *testing.T) {
		c, err := hostCandidates(Config{ListenIP: "127.0.0.1", PublicIPs: []string{"203.0.113.7", "2001:db8::7", "203.0.113.7"}}, 3478)
		if err != nil {
			t.Fatal(err)
		}
		want := []netip.AddrPort{netip.MustParseAddrPort("203.0.113.7:3478"), netip.MustParseAddrPort("[2001:db8::7]:3478")}
		if len(c) != 2 || c[0] != want[0] || c[1] != want[1] {
			t.Fatalf("%v", c)
		}
	})
	t.Run("listen ip", func(t *testing.T) {
		c, err := hostCandidates(Config{ListenIP: "127.0.0.1"}, 5000)
		if err != nil || len(c) != 1 || c[0] != netip.MustParseAddrPort("127.0.0.1:5000") {
			t.Fatalf("%v %v", c, err)
		}
	})
	t.Run("all interfaces", func(t *testing.T) {
		c, err := hostCandidates(Config{}, 5000)
		if err != nil || len(c) == 0 {
			t.Fatalf("%v %v", c, err)
		}
		for _, ap := range c {
			if ap.Port() != 5000 || ap.Addr().IsLinkLocalUnicast() || ap.Addr().IsUnspecified() {
				t.Fatalf("candidate %s", ap)
			}
		}
	})
	t.Run("bad public ip", func(t *testing.T) {
		if _, err := hostCandidates(Config{PublicIPs: []string{"x"}}, 1); !errors.Is(err, ErrBadConfig) {
			t.Fatal(err)
		}
	})
}
