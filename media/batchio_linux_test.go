//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package media

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestBatchIO(t *testing.T) {
	for name, listen := range map[string]string{"ipv4 socket": "127.0.0.1:0", "dual-stack socket": "[::]:0"} {
		t.Run(name, func(t *testing.T) {
			laddr, err := net.ResolveUDPAddr("udp", listen)
			if err != nil {
				t.Fatal(err)
			}
			srv, err := net.ListenUDP("udp", laddr)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			bio, err := newBatchIO(srv)
			if err != nil {
				t.Fatal(err)
			}
			port := srv.LocalAddr().(*net.UDPAddr).Port
			peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			peerAddr := peer.LocalAddr().(*net.UDPAddr).AddrPort()

			// Read: datagrams arrive with their (unmapped) source.
			for i := range 5 {
				if _, err := peer.WriteToUDP([]byte{byte(i), 1, 2}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
					t.Fatal(err)
				}
			}
			got := 0
			for got < 5 {
				n, err := bio.read()
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					b, from := bio.packet(i)
					if from != peerAddr || len(b) != 3 || b[0] != byte(got) {
						t.Fatalf("datagram %d: % x from %s, want from %s", got, b, from, peerAddr)
					}
					got++
				}
			}

			// Write: one batch to the peer; an IPv6 destination is
			// skipped on an IPv4 socket, sent on a dual-stack one.
			batch := &sendBatch{sink: bio}
			for i := range 3 {
				copy(batch.next(), []byte{9, byte(i)})
				batch.commit(2, peerAddr)
			}
			batch.flush()
			_ = peer.SetReadDeadline(time.Now().Add(flowDeadline))
			buf := make([]byte, 10)
			for i := range 3 {
				n, from, err := peer.ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatal(err)
				}
				if n != 2 || buf[1] != byte(i) || from.Port() != uint16(port) {
					t.Fatalf("got % x from %s", buf[:n], from)
				}
			}
			copy(batch.next(), []byte{1})
			batch.commit(1, netip.MustParseAddrPort("[::1]:9"))
			batch.flush() // must neither panic nor block
		})
	}
}
