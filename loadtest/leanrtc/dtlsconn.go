package leanrtc

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/transport/v4/deadline"
)

// dtlsQueue bounds the DTLS records waiting for the handshake: a flight is
// a handful of records; more means a retransmission storm, and dropping is
// what a UDP socket would do.
const dtlsQueue = 32

// dtlsConn is the net.PacketConn pion/dtls runs on: the hub's reader
// goroutine feeds it the DTLS records it demultiplexed for the endpoint,
// and writes go out through the hub with the endpoint's source address.
type dtlsConn struct {
	ep     *Endpoint
	remote netip.AddrPort

	in        chan []byte
	closed    chan struct{}
	closeOnce sync.Once
	readDL    *deadline.Deadline
}

var _ net.PacketConn = (*dtlsConn)(nil)

func newDTLSConn(ep *Endpoint, remote netip.AddrPort) *dtlsConn {
	return &dtlsConn{
		ep:     ep,
		remote: remote,
		in:     make(chan []byte, dtlsQueue),
		closed: make(chan struct{}),
		readDL: deadline.New(),
	}
}

// deliver hands one record to DTLS; it never blocks the reader goroutine.
func (c *dtlsConn) deliver(b []byte) {
	select {
	case c.in <- append([]byte(nil), b...):
	default:
	}
}

func (c *dtlsConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case b := <-c.in:
		return copy(p, b), net.UDPAddrFromAddrPort(c.remote), nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	case <-c.readDL.Done():
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (c *dtlsConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	return c.ep.hub.writeFrom(c.ep.local.Addr(), p, c.remote)
}

func (c *dtlsConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *dtlsConn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.ep.local) }

func (c *dtlsConn) SetDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

func (c *dtlsConn) SetReadDeadline(t time.Time) error {
	c.readDL.Set(t)
	return nil
}

// SetWriteDeadline does nothing: writes to a UDP socket do not block.
func (c *dtlsConn) SetWriteDeadline(time.Time) error { return nil }
