//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package udpbatch

import (
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const deadline = 10 * time.Second

func TestRecvSend(t *testing.T) {
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rc, err := srv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAddr := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	srvAddr := srv.LocalAddr().(*net.UDPAddr)

	t.Run("recv", func(t *testing.T) {
		const batch = 4
		var (
			msgs  [batch]Mmsghdr
			iov   [batch]unix.Iovec
			names [batch]unix.RawSockaddrInet4
			bufs  [batch][64]byte
		)
		for i := range msgs {
			iov[i].Base = &bufs[i][0]
			iov[i].SetLen(len(bufs[i]))
			msgs[i].Hdr.Iov = &iov[i]
			msgs[i].Hdr.SetIovlen(1)
			msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&names[i]))
		}
		const total = 6 // more than one batch
		for i := range total {
			if _, err := peer.WriteToUDP([]byte{byte(i), 1, 2}, srvAddr); err != nil {
				t.Fatal(err)
			}
		}
		got := 0
		for got < total {
			n, err := Recv(rc, msgs[:], unix.SizeofSockaddrInet4, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n < 1 || n > batch {
				t.Fatalf("read %d datagrams, batch is %d", n, batch)
			}
			for i := range n {
				from := netip.AddrPortFrom(netip.AddrFrom4(names[i].Addr), Ntohs(names[i].Port))
				b := bufs[i][:msgs[i].Len]
				if from != peerAddr || len(b) != 3 || b[0] != byte(got) {
					t.Fatalf("datagram %d: % x from %s, want from %s", got, b, from, peerAddr)
				}
				got++
			}
		}
	})

	t.Run("send skips refused datagrams", func(t *testing.T) {
		const batch = 3
		var (
			msgs  [batch]Mmsghdr
			iov   [batch]unix.Iovec
			names [batch]unix.RawSockaddrInet6
			bufs  [batch][2]byte
		)
		for i := range msgs {
			bufs[i] = [2]byte{9, byte(i)}
			iov[i].Base = &bufs[i][0]
			iov[i].SetLen(len(bufs[i]))
			msgs[i].Hdr.Iov = &iov[i]
			msgs[i].Hdr.SetIovlen(1)
			msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&names[i]))
			if i == 1 {
				// An IPv6 destination on an IPv4 socket: refused.
				names[i] = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: Htons(9), Addr: netip.IPv6Loopback().As16()}
				msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
				continue
			}
			sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&names[i]))
			*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: Htons(peerAddr.Port()), Addr: peerAddr.Addr().As4()}
			msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet4
		}
		if failed := Send(rc, msgs[:]); failed != 1 {
			t.Fatalf("failed = %d, want 1", failed)
		}
		_ = peer.SetReadDeadline(time.Now().Add(deadline))
		buf := make([]byte, 10)
		for _, want := range []byte{0, 2} {
			n, from, err := peer.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != 2 || buf[1] != want || from.Port() != uint16(srvAddr.Port) {
				t.Fatalf("got % x from %s, want datagram %d", buf[:n], from, want)
			}
		}
	})

	t.Run("send on a closed socket", func(t *testing.T) {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		crc, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		if failed := Send(crc, make([]Mmsghdr, 3)); failed != 3 {
			t.Fatalf("failed = %d, want 3", failed)
		}
	})
}

func TestPortOrder(t *testing.T) {
	for _, p := range []uint16{0, 1, 3478, 0xABCD, 0xFFFF} {
		if Ntohs(Htons(p)) != p {
			t.Fatalf("%d", p)
		}
	}
	b := Htons(0x0102)
	if bs := (*[2]byte)(unsafe.Pointer(&b)); bs[0] != 1 || bs[1] != 2 {
		t.Fatalf("htons(0x0102) = % x in memory", bs[:])
	}
}
