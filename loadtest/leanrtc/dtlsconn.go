package leanrtc

import (
	"net"
	"net/netip"

	"github.com/earshot/earshot/internal/dtlsconn"
)

// endpointPath is the socket side of an endpoint's DTLS conn
// (internal/dtlsconn): the hub's reader goroutine feeds the conn the DTLS
// records it demultiplexed for the endpoint, and writes go out through the
// hub with the endpoint's source address to the server's one candidate.
type endpointPath struct {
	ep     *Endpoint
	remote netip.AddrPort
}

var _ dtlsconn.Path = endpointPath{}

func newDTLSConn(ep *Endpoint, remote netip.AddrPort) *dtlsconn.Conn {
	return dtlsconn.New(endpointPath{ep: ep, remote: remote})
}

// Remote is the server's candidate, known from the answer.
func (p endpointPath) Remote() (netip.AddrPort, bool) { return p.remote, true }

// Send writes through the hub from the endpoint's address.
func (p endpointPath) Send(b []byte, to netip.AddrPort) (int, error) {
	return p.ep.hub.writeFrom(p.ep.local.Addr(), b, to)
}

// LocalAddr is the endpoint's own address on the hub.
func (p endpointPath) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(p.ep.local) }
