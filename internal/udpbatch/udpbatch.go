//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package udpbatch

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Mmsghdr is struct mmsghdr of 64-bit Linux: one message of a recvmmsg or
// sendmmsg vector. Len is what the kernel received or sent for it.
type Mmsghdr struct {
	Hdr unix.Msghdr
	Len uint32
	_   [4]byte
}

// Recv blocks until at least one datagram arrived and returns how many
// (len(msgs) at most) were read into msgs. Before every attempt it resets
// the fields the kernel overwrites — each message's name length to
// namelen, control length to controllen (0 when the caller wants no
// control messages) and flags — so the caller's buffers are reusable.
func Recv(rc syscall.RawConn, msgs []Mmsghdr, namelen uint32, controllen int) (int, error) {
	var (
		n     int
		errno syscall.Errno
	)
	err := rc.Read(func(fd uintptr) bool {
		for i := range msgs {
			msgs[i].Hdr.Namelen = namelen
			msgs[i].Hdr.SetControllen(controllen)
			msgs[i].Hdr.Flags = 0
		}
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), 0, 0, 0)
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

// Send sends msgs with as few sendmmsg calls as it takes and returns how
// many were not sent. A datagram the kernel refuses (an unreachable
// destination) is skipped, as a lost packet, and the rest still go; once
// the socket is closed everything left counts as not sent.
func Send(rc syscall.RawConn, msgs []Mmsghdr) (failed int) {
	count := len(msgs)
	for off := 0; off < count; {
		var (
			sent  int
			errno syscall.Errno
		)
		err := rc.Write(func(fd uintptr) bool {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&msgs[off])), uintptr(count-off), 0, 0, 0)
			if e == unix.EAGAIN || e == unix.EINTR {
				return false
			}
			sent, errno = int(r), e
			return true
		})
		switch {
		case err != nil:
			return failed + count - off // the socket is closed
		case errno != 0:
			failed++
			off++ // the first datagram failed: skip it
		default:
			off += sent
		}
	}
	return failed
}

// Ntohs turns a port as the kernel stores it in a sockaddr (network order
// in memory) into a number.
func Ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// Htons is Ntohs's inverse: a port as a sockaddr stores it.
func Htons(p uint16) uint16 {
	var out uint16
	b := (*[2]byte)(unsafe.Pointer(&out))
	b[0], b[1] = byte(p>>8), byte(p)
	return out
}
