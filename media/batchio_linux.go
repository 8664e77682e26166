//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package media

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr of 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// batchIO reads and writes the shared socket with recvmmsg and sendmmsg.
// Its read side belongs to the reader goroutine; its write side is used
// by that goroutine only too (other writers — DTLS, STUN answers — use the
// socket's ordinary WriteTo, which the kernel serialises).
type batchIO struct {
	rc    syscall.RawConn
	inet6 bool // the socket is AF_INET6 (dual-stack): addresses are v4-mapped

	rmsgs  [readBatchSize]mmsghdr
	riov   [readBatchSize]unix.Iovec
	rnames [readBatchSize]unix.RawSockaddrInet6
	rbufs  [readBatchSize][packetSize]byte

	wmsgs  [sendBatchSize]mmsghdr
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
		b.rmsgs[i].hdr.Iov = &b.riov[i]
		b.rmsgs[i].hdr.SetIovlen(1)
		b.rmsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.rnames[i]))
	}
	for i := range b.wmsgs {
		b.wmsgs[i].hdr.Iov = &b.wiov[i]
		b.wmsgs[i].hdr.SetIovlen(1)
		b.wmsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.wnames[i]))
	}
	return b, nil
}

// read blocks until at least one datagram arrived and returns how many
// (readBatchSize at most); packet(i) returns each.
func (b *batchIO) read() (int, error) {
	var (
		n     int
		errno syscall.Errno
	)
	err := b.rc.Read(func(fd uintptr) bool {
		for i := range b.rmsgs {
			b.rmsgs[i].hdr.Namelen = unix.SizeofSockaddrInet6
			b.rmsgs[i].hdr.Flags = 0
		}
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rmsgs[0])), readBatchSize, 0, 0, 0)
		if e == unix.EAGAIN || e == unix.EINTR {
			return false
		}
		n, errno = int(r), e
		return true
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return n, nil
}

// packet returns datagram i of the last read and its source.
func (b *batchIO) packet(i int) ([]byte, netip.AddrPort) {
	m := &b.rmsgs[i]
	return b.rbufs[i][:m.len], sockaddrToAddrPort(&b.rnames[i])
}

func sockaddrToAddrPort(rsa *unix.RawSockaddrInet6) netip.AddrPort {
	switch rsa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), ntohs(sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(rsa.Addr).Unmap(), ntohs(rsa.Port))
	}
	return netip.AddrPort{}
}

// ntohs turns a port as the kernel stores it (network order in memory)
// into a number.
func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

func htons(p uint16) uint16 {
	var out uint16
	b := (*[2]byte)(unsafe.Pointer(&out))
	b[0], b[1] = byte(p>>8), byte(p)
	return out
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
	off := 0
	for off < count {
		var (
			sent  int
			errno syscall.Errno
		)
		err := b.rc.Write(func(fd uintptr) bool {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.wmsgs[off])), uintptr(count-off), 0, 0, 0)
			if e == unix.EAGAIN || e == unix.EINTR {
				return false
			}
			sent, errno = int(r), e
			return true
		})
		switch {
		case err != nil:
			return // the socket is closed
		case errno != 0:
			off++ // the first datagram failed: skip it
		default:
			off += sent
		}
	}
}

// setName writes to's sockaddr for message i in the socket's family.
func (b *batchIO) setName(i int, to netip.AddrPort) bool {
	rsa := &b.wnames[i]
	ip := to.Addr()
	if b.inet6 {
		*rsa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: htons(to.Port()), Addr: ip.As16()}
		b.wmsgs[i].hdr.Namelen = unix.SizeofSockaddrInet6
		return true
	}
	if !ip.Is4() {
		return false // an IPv6 destination on an IPv4 socket
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
	*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: htons(to.Port()), Addr: ip.As4()}
	b.wmsgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
	return true
}

// unsafePointer lets tests look at a port's bytes.
func unsafePointer(p *uint16) unsafe.Pointer { return unsafe.Pointer(p) }
