//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package media

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/earshot/earshot/internal/udpbatch"
)

// batchIO reads and writes the shared socket with recvmmsg and sendmmsg.
// Its read side belongs to the reader goroutine; its write side is used
// by that goroutine only too (other writers — DTLS, STUN answers — use the
// socket's ordinary WriteTo, which the kernel serialises).
type batchIO struct {
	rc    syscall.RawConn
	inet6 bool // the socket is AF_INET6 (dual-stack): addresses are v4-mapped

	rmsgs  [readBatchSize]udpbatch.Mmsghdr
	riov   [readBatchSize]unix.Iovec
	rnames [readBatchSize]unix.RawSockaddrInet6
	rbufs  [readBatchSize][packetSize]byte

	wmsgs  [sendBatchSize]udpbatch.Mmsghdr
	wiov   [sendBatchSize]unix.Iovec
	wnames [sendBatchSize]unix.RawSockaddrInet6
}

func newBatchIO(conn *net.UDPConn) (*batchIO, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &batchIO{rc: rc}
	var (
		sa   unix.Sockaddr
		serr error
	)
	if err := rc.Control(func(fd uintptr) { sa, serr = unix.Getsockname(int(fd)) }); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, serr
	}
	// A socket bound to all interfaces is AF_INET6 (dual-stack) even when
	// its clients are IPv4: its addresses are then v4-mapped.
	_, b.inet6 = sa.(*unix.SockaddrInet6)
	for i := range b.rmsgs {
		b.riov[i].Base = &b.rbufs[i][0]
		b.riov[i].SetLen(packetSize)
		b.rmsgs[i].Hdr.Iov = &b.riov[i]
		b.rmsgs[i].Hdr.SetIovlen(1)
		b.rmsgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.rnames[i]))
	}
	for i := range b.wmsgs {
		b.wmsgs[i].Hdr.Iov = &b.wiov[i]
		b.wmsgs[i].Hdr.SetIovlen(1)
		b.wmsgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&b.wnames[i]))
	}
	return b, nil
}

// read blocks until at least one datagram arrived and returns how many
// (readBatchSize at most); packet(i) returns each.
func (b *batchIO) read() (int, error) {
	return udpbatch.Recv(b.rc, b.rmsgs[:], unix.SizeofSockaddrInet6, 0)
}

// packet returns datagram i of the last read and its source.
func (b *batchIO) packet(i int) ([]byte, netip.AddrPort) {
	m := &b.rmsgs[i]
	return b.rbufs[i][:m.Len], sockaddrToAddrPort(&b.rnames[i])
}

func sockaddrToAddrPort(rsa *unix.RawSockaddrInet6) netip.AddrPort {
	switch rsa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), udpbatch.Ntohs(sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(rsa.Addr).Unmap(), udpbatch.Ntohs(rsa.Port))
	}
	return netip.AddrPort{}
}

// writeBatch sends msgs with as few sendmmsg calls as it takes. A datagram
// the kernel refuses (an unreachable client) is skipped, as a lost packet.
func (b *batchIO) writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte) {
	count := 0
	for i, m := range msgs {
		if !b.setName(count, m.to) {
			continue
		}
		b.wiov[count].Base = &bufs[i][0]
		b.wiov[count].SetLen(m.n)
		count++
	}
	udpbatch.Send(b.rc, b.wmsgs[:count])
}

// setName writes to's sockaddr for message i in the socket's family.
func (b *batchIO) setName(i int, to netip.AddrPort) bool {
	rsa := &b.wnames[i]
	ip := to.Addr()
	if b.inet6 {
		*rsa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: udpbatch.Htons(to.Port()), Addr: ip.As16()}
		b.wmsgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		return true
	}
	if !ip.Is4() {
		return false // an IPv6 destination on an IPv4 socket
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
	*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: udpbatch.Htons(to.Port()), Addr: ip.As4()}
	b.wmsgs[i].Hdr.Namelen = unix.SizeofSockaddrInet4
	return true
}
