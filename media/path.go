package media

import "net/netip"

// path is one way to reach a leg's client: an address on the shared UDP
// socket, or an ICE-TCP connection (RFC 6544) the client opened to the
// SFU's passive TCP candidate.
type path struct {
	// addr is the client's address: the UDP source of its checks, or the
	// TCP connection's remote end.
	addr netip.AddrPort
	// tcp is the connection for an ICE-TCP path, nil for UDP.
	tcp *tcpConn
}

// send writes one packet (STUN, DTLS or SRTCP; the forwarding path batches
// its SRTP itself) to the client over p without ever blocking: on UDP
// with the shared socket's WriteTo, which the kernel serialises with the
// reader's sendmmsg; on TCP framed into the connection's bounded write
// queue, which drops (and counts) when full.
func (s *SFU) send(p path, b []byte) error {
	if p.tcp != nil {
		return p.tcp.send(b)
	}
	_, err := s.conn.WriteToUDPAddrPort(b, p.addr)
	return err
}
