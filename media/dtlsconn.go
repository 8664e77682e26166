package media

import (
	"net"
	"net/netip"

	"github.com/earshot/earshot/internal/dtlsconn"
)

// legPath is the socket side of a leg's DTLS conn (internal/dtlsconn):
// the SFU's reader goroutine hands the conn the DTLS records it
// demultiplexed from the shared socket; writes go to the leg's current
// path on that socket, which a later nomination may change.
type legPath struct{ leg *Leg }

var _ dtlsconn.Path = legPath{}

func newDTLSConn(l *Leg) *dtlsconn.Conn { return dtlsconn.New(legPath{leg: l}) }

// Remote is the leg's nominated path, if it has one yet.
func (p legPath) Remote() (netip.AddrPort, bool) {
	if to := p.leg.remote.Load(); to != nil {
		return *to, true
	}
	return netip.AddrPort{}, false
}

// Send writes on the shared socket, like every other datagram of the leg.
func (p legPath) Send(b []byte, to netip.AddrPort) (int, error) {
	return p.leg.sfu.conn.WriteToUDPAddrPort(b, to)
}

// LocalAddr is the shared socket's address.
func (p legPath) LocalAddr() net.Addr { return p.leg.sfu.conn.LocalAddr() }
