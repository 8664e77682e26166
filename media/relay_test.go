package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// relayMode is what a test relay lets through.
type relayMode int32

const (
	relayAll      relayMode = iota // everything
	relayNoChecks                  // everything but STUN: media flows, consent checks do not
	relayNothing                   // a frozen network
)

// drops reports whether the relay in mode m drops packet b.
func (m relayMode) drops(b []byte) bool {
	switch m {
	case relayNothing:
		return true
	case relayNoChecks:
		return len(b) > 0 && b[0] < 4
	}
	return false
}

// udpRelay stands between one client and the SFU's UDP port, as a network
// the test can break: the client is given the relay's port in place of the
// SFU's, and the SFU sees the relay's back socket as the client.
type udpRelay struct {
	front, back *net.UDPConn
	server      netip.AddrPort
	client      atomic.Pointer[netip.AddrPort]
	mode        atomic.Int32
	// passed counts datagrams carried from the client to the SFU.
	passed atomic.Uint64
	wg     sync.WaitGroup
}

func newUDPRelay(t *testing.T, server netip.AddrPort) *udpRelay {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	r := &udpRelay{front: front, back: back, server: server}
	r.wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			r.client.Store(&from)
			if relayMode(r.mode.Load()).drops(buf[:n]) {
				continue
			}
			r.passed.Add(1)
			_, _ = back.WriteToUDPAddrPort(buf[:n], server)
		}
	})
	r.wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, err := back.Read(buf)
			if err != nil {
				return
			}
			to := r.client.Load()
			if to == nil || relayMode(r.mode.Load()).drops(buf[:n]) {
				continue
			}
			_, _ = front.WriteToUDPAddrPort(buf[:n], *to)
		}
	})
	t.Cleanup(func() {
		_ = front.Close()
		_ = back.Close()
		r.wg.Wait()
	})
	return r
}

func (r *udpRelay) set(m relayMode) { r.mode.Store(int32(m)) }

// port is what the client is told to use.
func (r *udpRelay) port() int { return r.front.LocalAddr().(*net.UDPAddr).Port }

// tcpRelay does the same for ICE-TCP: it accepts the client's connection
// and opens its own to the SFU, copying bytes both ways while allowed
// (relayNothing: bytes are read and thrown away, the connections stay
// open — a frozen path, not a closed one).
type tcpRelay struct {
	ln     *net.TCPListener
	server string
	mode   atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newTCPRelay(t *testing.T, server string) *tcpRelay {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &tcpRelay{ln: ln, server: server}
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
	t.Cleanup(func() {
		_ = ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			_ = c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

// pipe copies src to dst unless frozen; when either side ends, both do.
func (r *tcpRelay) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if n > 0 && relayMode(r.mode.Load()) != relayNothing {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (r *tcpRelay) set(m relayMode) { r.mode.Store(int32(m)) }

func (r *tcpRelay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// viaPort rewrites the answer's candidates of proto from port from to
// port to: the client then reaches the SFU only through a relay.
func viaPort(answer, proto string, from, to int) (string, error) {
	lines := strings.Split(answer, "\r\n")
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
