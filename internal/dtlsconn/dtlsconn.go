// Package dtlsconn holds the net.PacketConn that pion/dtls runs on when
// DTLS shares a UDP socket with STUN and SRTP: the socket's reader
// demultiplexes the DTLS records and hands them to Deliver, and the
// handshake reads them from a small queue. Both the SFU (media, one per
// leg) and the load tester's client (loadtest/leanrtc, one per endpoint)
// use it; what differs between them — where records go and which address
// is the peer — is behind Path.
package dtlsconn

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/transport/v4/deadline"
)

// queueLen bounds the DTLS records waiting to be read: a flight is a
// handful; more is a retransmission storm, and dropping is what a full UDP
// socket would do.
const queueLen = 32

// Path is the socket side of a Conn.
type Path interface {
	// Remote is the peer's current address; ok is false while there is
	// none yet (records written then are lost, as on a network, and DTLS
	// retransmits). It may change between calls: WriteTo always uses the
	// current one, whatever address pion/dtls remembers.
	Remote() (to netip.AddrPort, ok bool)
	// Send writes one record to to.
	Send(p []byte, to netip.AddrPort) (int, error)
	// LocalAddr is the socket's (or the endpoint's) local address.
	LocalAddr() net.Addr
}

// Conn is the net.PacketConn pion/dtls runs on, fed by Deliver.
type Conn struct {
	path Path

	in        chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	readDL    *deadline.Deadline
}

var _ net.PacketConn = (*Conn)(nil)

// New returns a Conn on path.
func New(path Path) *Conn {
	return &Conn{path: path, in: make(chan []byte, queueLen), closed: make(chan struct{}), readDL: deadline.New()}
}

// Deliver queues a copy of one record without ever blocking the caller
// (the socket's reader goroutine): a full queue drops it.
func (c *Conn) Deliver(b []byte) {
	select {
	case c.in <- append([]byte(nil), b...):
	default:
	}
}

// ReadFrom returns the next delivered record, from the path's remote.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case b := <-c.in:
		return copy(p, b), c.RemoteAddr(), nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	case <-c.readDL.Done():
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends to the path's current remote, whatever addr pion/dtls
// remembers: the path may change under it (a later ICE nomination).
func (c *Conn) WriteTo(p []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	to, ok := c.path.Remote()
	if !ok {
		return len(p), nil // no path yet: lost, as on a network; DTLS retransmits
	}
	return c.path.Send(p, to)
}

// RemoteAddr is the path's current remote (an empty address while there
// is none), as pion/dtls wants it when it starts a handshake.
func (c *Conn) RemoteAddr() net.Addr {
	if to, ok := c.path.Remote(); ok {
		return net.UDPAddrFromAddrPort(to)
	}
	return &net.UDPAddr{}
}

// Close makes reads and writes fail with net.ErrClosed; it does not close
// the shared socket.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

// LocalAddr is the path's local address.
func (c *Conn) LocalAddr() net.Addr { return c.path.LocalAddr() }

// SetDeadline sets the read deadline (writes never block).
func (c *Conn) SetDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

// SetReadDeadline sets the read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

// SetWriteDeadline does nothing: UDP writes do not block.
func (c *Conn) SetWriteDeadline(time.Time) error { return nil }
