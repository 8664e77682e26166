package media

import (
	"net"
	"net/netip"

	"github.com/earshot/earshot/internal/dtlsconn"
)

// legPath is the socket side of a leg's DTLS conn (internal/dtlsconn):
// the SFU's reader goroutines hand the conn the DTLS records they
// demultiplexed from the shared socket or an ICE-TCP connection; writes go
// to the leg's current path, which a later nomination may change.
type legPath struct{ leg *Leg }

var _ dtlsconn.Path = legPath{}

func newDTLSConn(l *Leg) *dtlsconn.Conn { return dtlsconn.New(legPath{leg: l}) }

// Remote is the leg's nominated path, if it has one yet.
func (p legPath) Remote() (netip.AddrPort, bool) {
	if to := p.leg.remote.Load(); to != nil {
		return to.addr, true
	}
	return netip.AddrPort{}, false
}

// Send writes on the leg's current path if to is its address (an ICE-TCP
// connection's queue, framed), else on the shared UDP socket. A record a
// full TCP queue drops is lost as on a network: DTLS retransmits.
func (p legPath) Send(b []byte, to netip.AddrPort) (int, error) {
	if r := p.leg.remote.Load(); r != nil && r.tcp != nil && r.addr == to {
		_ = r.tcp.send(b)
		return len(b), nil
	}
	return p.leg.sfu.conn.WriteToUDPAddrPort(b, to)
}

// LocalAddr is the shared socket's address.
func (p legPath) LocalAddr() net.Addr { return p.leg.sfu.conn.LocalAddr() }
