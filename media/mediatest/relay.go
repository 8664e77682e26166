package mediatest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

// RelayMode is what a test relay lets through.
type RelayMode int32

const (
	// RelayAll carries everything.
	RelayAll RelayMode = iota
	// RelayNoChecks carries everything but STUN: media flows, ICE
	// consent checks do not (UDP relays only).
	RelayNoChecks
	// RelayNothing is a frozen network: nothing gets through, and
	// connections stay open.
	RelayNothing
)

// drops reports whether the relay in mode m drops packet b.
func (m RelayMode) drops(b []byte) bool {
	switch m {
	case RelayNothing:
		return true
	case RelayNoChecks:
		return len(b) > 0 && b[0] < 4
	}
	return false
}

// UDPRelay stands between one client and a server's UDP port, as a
// network a test can break: the client is given the relay's port in place
// of the server's (ViaPort), and the server sees the relay as the client.
type UDPRelay struct {
	front, back *net.UDPConn
	client      atomic.Pointer[netip.AddrPort]
	mode        atomic.Int32
	wg          sync.WaitGroup
}

// NewUDPRelay starts a loopback relay to server.
func NewUDPRelay(server netip.AddrPort) (*UDPRelay, error) {
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, fmt.Errorf("udp relay: %w", err)
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		_ = front.Close()
		return nil, fmt.Errorf("udp relay: %w", err)
	}
	r := &UDPRelay{front: front, back: back}
	r.wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			r.client.Store(&from)
			if !RelayMode(r.mode.Load()).drops(buf[:n]) {
				_, _ = back.WriteToUDPAddrPort(buf[:n], server)
			}
		}
	})
	r.wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, err := back.Read(buf)
			if err != nil {
				return
			}
			if to := r.client.Load(); to != nil && !RelayMode(r.mode.Load()).drops(buf[:n]) {
				_, _ = front.WriteToUDPAddrPort(buf[:n], *to)
			}
		}
	})
	return r, nil
}

// Set changes what the relay lets through from now on.
func (r *UDPRelay) Set(m RelayMode) { r.mode.Store(int32(m)) }

// Port is what the client is told to use.
func (r *UDPRelay) Port() int { return r.front.LocalAddr().(*net.UDPAddr).Port }

// Close stops the relay.
func (r *UDPRelay) Close() error {
	_ = r.front.Close()
	_ = r.back.Close()
	r.wg.Wait()
	return nil
}

// TCPRelay does the same for ICE-TCP: it accepts the client's connections
// and opens one each to the server, copying bytes both ways while allowed
// (RelayNothing: bytes are read and thrown away, the connections stay
// open — a frozen path, not a closed one).
type TCPRelay struct {
	ln   *net.TCPListener
	mode atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

// NewTCPRelay starts a loopback relay to server ("host:port").
func NewTCPRelay(server string) (*TCPRelay, error) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("tcp relay: %w", err)
	}
	r := &TCPRelay{ln: ln}
	r.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", server)
			if err != nil {
				_ = c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, s)
			r.mu.Unlock()
			r.wg.Go(func() { r.pipe(s, c) })
			r.wg.Go(func() { r.pipe(c, s) })
		}
	})
	return r, nil
}

// pipe copies src to dst unless frozen; when either side ends, both do.
func (r *TCPRelay) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if n > 0 && RelayMode(r.mode.Load()) != RelayNothing {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Set changes what the relay lets through from now on (RelayNoChecks acts
// as RelayAll: a byte stream is not split into packets here).
func (r *TCPRelay) Set(m RelayMode) { r.mode.Store(int32(m)) }

// Port is what the client is told to use.
func (r *TCPRelay) Port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// Close stops the relay and closes its connections.
func (r *TCPRelay) Close() error {
	_ = r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

// ViaPort rewrites an SDP's candidates of proto ("udp" or "tcp") on port
// from to port to, so that a client reaches the server only through a
// relay.
func ViaPort(sdp, proto string, from, to int) (string, error) {
	lines := strings.Split(sdp, "\r\n")
	n := 0
	for i, line := range lines {
		f := strings.Fields(line)
		if !strings.HasPrefix(line, "a=candidate:") || len(f) < 6 || f[2] != proto || f[5] != fmt.Sprint(from) {
			continue
		}
		f[5] = fmt.Sprint(to)
		lines[i] = strings.Join(f, " ")
		n++
	}
	if n == 0 {
		return "", errors.New("no candidate to rewrite")
	}
	return strings.Join(lines, "\r\n"), nil
}
