package media

import (
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/transport/v4/deadline"
)

// dtlsQueue bounds the DTLS records waiting to be read: a flight is a
// handful; more is a retransmission storm, and dropping is what a full UDP
// socket would do.
const dtlsQueue = 32

// dtlsConn is the net.PacketConn pion/dtls runs on for one leg. The SFU's
// reader goroutine hands it the DTLS records it demultiplexed from the
// shared socket; writes go to the leg's current path on that socket.
type dtlsConn struct {
	leg *Leg

	in        chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	readDL    *deadline.Deadline
}

var _ net.PacketConn = (*dtlsConn)(nil)

func newDTLSConn(l *Leg) *dtlsConn {
	return &dtlsConn{leg: l, in: make(chan []byte, dtlsQueue), closed: make(chan struct{}), readDL: deadline.New()}
}

// deliver queues one record without ever blocking the reader goroutine.
func (c *dtlsConn) deliver(b []byte) {
	select {
	case c.in <- append([]byte(nil), b...):
	default:
	}
}

func (c *dtlsConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case b := <-c.in:
		return copy(p, b), c.addr(), nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	case <-c.readDL.Done():
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends to the leg's nominated path, whatever addr pion/dtls
// remembers: the path may change under it (a later nomination).
func (c *dtlsConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	to := c.leg.remote.Load()
	if to == nil {
		return len(p), nil // no path yet: lost, as on a network; DTLS retransmits
	}
	return c.leg.sfu.conn.WriteToUDPAddrPort(p, *to)
}

func (c *dtlsConn) addr() net.Addr {
	if to := c.leg.remote.Load(); to != nil {
		return net.UDPAddrFromAddrPort(*to)
	}
	return &net.UDPAddr{}
}

func (c *dtlsConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *dtlsConn) LocalAddr() net.Addr { return c.leg.sfu.conn.LocalAddr() }

func (c *dtlsConn) SetDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

func (c *dtlsConn) SetReadDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

// SetWriteDeadline does nothing: UDP writes do not block.
func (c *dtlsConn) SetWriteDeadline(time.Time) error { return nil }
