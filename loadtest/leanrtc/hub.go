//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64 || mips64 || mips64le)

package leanrtc

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/pion/rtp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"github.com/earshot/earshot/internal/udpbatch"
)

// Hub sizing.
const (
	// hubReadBatch and hubSendBatch are the datagrams per recvmmsg and
	// sendmmsg call.
	hubReadBatch = 64
	hubSendBatch = 64
	// DefaultMaxEndpoints bounds the endpoints of one hub (one loopback
	// address each).
	DefaultMaxEndpoints = 16384
	// ctrlSize holds one IP_PKTINFO control message.
	ctrlSize = 32
)

// defaultBase is the first of the hub's loopback addresses: 127.100.0.1,
// 127.100.0.2, ... (all of 127/8 is local on Linux).
var defaultBase = netip.AddrFrom4([4]byte{127, 100, 0, 0})

// Hub carries every endpoint's traffic on one UDP socket. Each endpoint
// has its own loopback address (127.100.x.y) on the hub's port, so the
// server still sees one distinct path per leg, while the hub reads all of
// them with recvmmsg on one goroutine (the destination address, from
// IP_PKTINFO, says which endpoint a datagram is for) and the Pacer sends
// all microphones with sendmmsg, each datagram with its endpoint's source
// address. Per packet that is one decrypt or encrypt and a share of a
// system call, instead of a goroutine wake-up and a system call each.
type Hub struct {
	stack *Stack
	conn  *net.UDPConn
	rc    syscall.RawConn
	port  uint16
	base  netip.Addr

	mu   sync.Mutex
	next int
	eps  []atomic.Pointer[Endpoint] // by index (address offset from base)

	closed chan struct{}
	done   chan struct{}

	// read side, reader goroutine only
	rmsgs  [hubReadBatch]udpbatch.Mmsghdr
	riov   [hubReadBatch]unix.Iovec
	rnames [hubReadBatch]unix.RawSockaddrInet4
	rctrl  [hubReadBatch][ctrlSize]byte
	rbufs  [hubReadBatch][readBufferSize]byte

	// write side, Pacer goroutine only
	wmsgs  [hubSendBatch]udpbatch.Mmsghdr
	wiov   [hubSendBatch]unix.Iovec
	wnames [hubSendBatch]unix.RawSockaddrInet4
	wctrl  [hubSendBatch][ctrlSize]byte
	wbufs  [hubSendBatch][readBufferSize + 64]byte
	wn     int

	sendErrors atomic.Uint64
}

// HubParams configures NewHub.
type HubParams struct {
	// Stack is the shared certificate and preferences. Required.
	Stack *Stack
	// MaxEndpoints bounds the endpoints (default DefaultMaxEndpoints).
	MaxEndpoints int
}

// NewHub opens the hub's socket and starts its reader.
func NewHub(p HubParams) (*Hub, error) {
	if p.Stack == nil {
		return nil, errors.New("new hub: no stack")
	}
	if p.MaxEndpoints <= 0 {
		p.MaxEndpoints = DefaultMaxEndpoints
	}
	if p.MaxEndpoints > 1<<16-2 {
		return nil, fmt.Errorf("new hub: at most %d endpoints", 1<<16-2)
	}
	// All interfaces: a socket bound to one address only receives what is
	// sent to that address. Datagrams for any address that is not one of
	// the hub's endpoints are dropped.
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero})
	if err != nil {
		return nil, fmt.Errorf("new hub: %w", err)
	}
	rc, err := conn.SyscallConn()
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("new hub: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
		if serr == nil {
			// Room for bursts: every microphone of a large run arrives
			// within a few milliseconds.
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, 8<<20)
		}
	}); err != nil || serr != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("new hub: IP_PKTINFO: %v %v", err, serr)
	}
	h := &Hub{
		stack:  p.Stack,
		conn:   conn,
		rc:     rc,
		port:   uint16(conn.LocalAddr().(*net.UDPAddr).Port),
		base:   defaultBase,
		eps:    make([]atomic.Pointer[Endpoint], p.MaxEndpoints+1),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	for i := range h.rmsgs {
		h.riov[i].Base = &h.rbufs[i][0]
		h.riov[i].SetLen(readBufferSize)
		h.rmsgs[i].Hdr.Iov = &h.riov[i]
		h.rmsgs[i].Hdr.SetIovlen(1)
		h.rmsgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&h.rnames[i]))
		h.rmsgs[i].Hdr.Control = &h.rctrl[i][0]
	}
	for i := range h.wmsgs {
		h.wmsgs[i].Hdr.Iov = &h.wiov[i]
		h.wmsgs[i].Hdr.SetIovlen(1)
		h.wmsgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&h.wnames[i]))
		h.wmsgs[i].Hdr.Namelen = unix.SizeofSockaddrInet4
		h.wmsgs[i].Hdr.Control = &h.wctrl[i][0]
		h.wmsgs[i].Hdr.SetControllen(unix.CmsgSpace(unix.SizeofInet4Pktinfo))
	}
	go h.read()
	return h, nil
}

// addrOf is the loopback address of endpoint index i.
func (h *Hub) addrOf(i int) netip.Addr {
	b := h.base.As4()
	b[2], b[3] = byte(i>>8), byte(i)
	return netip.AddrFrom4(b)
}

// indexOf is addrOf's inverse (-1 for an address not of this hub).
func (h *Hub) indexOf(a [4]byte) int {
	b := h.base.As4()
	if a[0] != b[0] || a[1] != b[1] {
		return -1
	}
	i := int(a[2])<<8 | int(a[3])
	if i <= 0 || i >= len(h.eps) {
		return -1
	}
	return i
}

// add registers an endpoint and returns its address on the hub.
func (h *Hub) add(e *Endpoint) (netip.AddrPort, int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.closed:
		return netip.AddrPort{}, 0, ErrClosed
	default:
	}
	for n := 0; n < len(h.eps)-1; n++ {
		h.next = h.next%(len(h.eps)-1) + 1
		i := h.next
		if b := h.addrOf(i).As4(); b[3] == 0 || b[3] == 255 {
			continue // keep clear of network and broadcast-looking addresses
		}
		if h.eps[i].Load() == nil {
			h.eps[i].Store(e)
			return netip.AddrPortFrom(h.addrOf(i), h.port), i, nil
		}
	}
	return netip.AddrPort{}, 0, errors.New("hub full")
}

// remove forgets endpoint i.
func (h *Hub) remove(i int, e *Endpoint) { h.eps[i].CompareAndSwap(e, nil) }

// read is the hub's reader goroutine.
func (h *Hub) read() {
	defer close(h.done)
	var (
		hdr rtp.Header
		pkt rtp.Packet
		dec [readBufferSize]byte
	)
	for {
		n, err := h.readBatch()
		if err != nil {
			select {
			case <-h.closed:
				return
			default:
				continue
			}
		}
		now := time.Now()
		for i := range n {
			m := &h.rmsgs[i]
			dst, ok := pktinfoDst(h.rctrl[i][:m.Hdr.Controllen])
			if !ok {
				continue
			}
			idx := h.indexOf(dst)
			if idx < 0 {
				continue
			}
			e := h.eps[idx].Load()
			if e == nil {
				continue
			}
			sa := &h.rnames[i]
			from := netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), udpbatch.Ntohs(sa.Port))
			e.handle(h.rbufs[i][:m.Len], from, now, &hdr, &pkt, dec[:])
		}
	}
}

// readBatch reads up to hubReadBatch datagrams, each with its
// IP_PKTINFO control message. Reader goroutine only.
func (h *Hub) readBatch() (int, error) {
	return udpbatch.Recv(h.rc, h.rmsgs[:], unix.SizeofSockaddrInet4, ctrlSize)
}

// pktinfoDst finds the destination address in an IP_PKTINFO control
// message.
func pktinfoDst(ctrl []byte) ([4]byte, bool) {
	for off := 0; off+unix.SizeofCmsghdr <= len(ctrl); {
		c := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[off]))
		if c.Len < unix.SizeofCmsghdr || off+int(c.Len) > len(ctrl) {
			break
		}
		if c.Level == unix.IPPROTO_IP && c.Type == unix.IP_PKTINFO && int(c.Len) >= unix.CmsgLen(unix.SizeofInet4Pktinfo) {
			pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&ctrl[off+unix.CmsgLen(0)]))
			return pi.Addr, true
		}
		off += unix.CmsgSpace(int(c.Len) - unix.CmsgLen(0))
	}
	return [4]byte{}, false
}

// writeFrom sends one datagram with source address src: STUN answers and
// DTLS records, from any goroutine.
func (h *Hub) writeFrom(src netip.Addr, b []byte, to netip.AddrPort) (int, error) {
	cm := &ipv4.ControlMessage{Src: net.IP(src.AsSlice())}
	n, _, err := h.conn.WriteMsgUDPAddrPort(b, cm.Marshal(), to)
	return n, err
}

// queueBuf returns the Pacer's next send buffer.
func (h *Hub) queueBuf() []byte { return h.wbufs[h.wn][:] }

// commit queues the datagram in queueBuf()[:n] from src to to, sending
// the batch when it is full. Pacer goroutine only.
func (h *Hub) commit(n int, src netip.Addr, to netip.AddrPort) {
	i := h.wn
	h.wiov[i].Base = &h.wbufs[i][0]
	h.wiov[i].SetLen(n)
	h.wnames[i] = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: udpbatch.Htons(to.Port()), Addr: to.Addr().As4()}
	c := (*unix.Cmsghdr)(unsafe.Pointer(&h.wctrl[i][0]))
	c.Level, c.Type = unix.IPPROTO_IP, unix.IP_PKTINFO
	c.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&h.wctrl[i][unix.CmsgLen(0)]))
	*pi = unix.Inet4Pktinfo{Spec_dst: src.As4()}
	h.wn++
	if h.wn == hubSendBatch {
		h.flush()
	}
}

// flush sends the queued datagrams. Pacer goroutine only.
func (h *Hub) flush() {
	count := h.wn
	h.wn = 0
	if failed := udpbatch.Send(h.rc, h.wmsgs[:count]); failed > 0 {
		h.sendErrors.Add(uint64(failed))
	}
}

// SendErrors counts microphone datagrams the kernel refused.
func (h *Hub) SendErrors() uint64 { return h.sendErrors.Load() }

// Close closes the socket and waits for the reader. Endpoints still open
// stop receiving.
func (h *Hub) Close() error {
	h.mu.Lock()
	select {
	case <-h.closed:
		h.mu.Unlock()
		<-h.done
		return nil
	default:
	}
	close(h.closed)
	h.mu.Unlock()
	err := h.conn.Close()
	<-h.done
	return err
}
