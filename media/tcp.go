package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of ICE-TCP (RFC 6544): the listener accepts anyone, so everything
// an unauthenticated connection can hold is bounded.
const (
	// maxPendingTCP bounds the connections accepted but not yet bound to a
	// leg by a valid check; more are closed at once.
	maxPendingTCP = 64
	// tcpAuthTimeout closes a connection that sent no valid check by
	// then. A client sends its first check as soon as it is connected.
	tcpAuthTimeout = 5 * time.Second
	// maxTCPPerLeg bounds the connections one leg's client may bind (a
	// client opens one per local address it tries); more go unanswered
	// and time out like unauthenticated ones.
	maxTCPPerLeg = 4
	// maxTCPFrame is the largest RFC 4571 frame accepted: a datagram on a
	// 1500-byte path, as on UDP. A larger one closes the connection.
	maxTCPFrame = packetSize
	// tcpReadBuffer is the connection reader's buffer.
	tcpReadBuffer = 4096
)

// tcpListener accepts the clients' ICE-TCP connections (they are the
// active side; the SFU's candidates are tcptype passive).
type tcpListener struct {
	s  *SFU
	ln *net.TCPListener

	// pending counts connections not yet bound to a leg.
	pending atomic.Int32

	mu     sync.Mutex
	closed bool
	conns  map[*tcpConn]struct{}
	wg     sync.WaitGroup // the accept loop and every connection's goroutines
}

// listenTCP opens the ICE-TCP listener on cfg's port (the UDP port's
// number unless configured). It returns nil, with the reason logged, if
// ICE-TCP is off or the port cannot be bound: the SFU then runs UDP-only.
// When the UDP port itself was picked at random (UDPPort 0), any free TCP
// port will do if its number is taken.
func listenTCP(s *SFU, udpPort uint16) *tcpListener {
	port := s.cfg.TCPPort
	anyPort := false
	switch port {
	case TCPOff:
		return nil
	case 0:
		port, anyPort = int(udpPort), s.cfg.UDPPort == 0
	}
	laddr := &net.TCPAddr{IP: net.ParseIP(s.cfg.ListenIP), Port: port}
	ln, err := net.ListenTCP("tcp", laddr)
	if err != nil && anyPort {
		laddr.Port = 0
		ln, err = net.ListenTCP("tcp", laddr)
	}
	if err != nil {
		s.log.Warn("ice-tcp disabled: cannot listen; clients without UDP will not connect", "addr", laddr.String(), "err", err)
		return nil
	}
	return &tcpListener{s: s, ln: ln, conns: make(map[*tcpConn]struct{})}
}

// port is the listening port.
func (t *tcpListener) port() uint16 { return t.ln.Addr().(*net.TCPAddr).AddrPort().Port() }

// start runs the accept loop.
func (t *tcpListener) start() { t.wg.Go(t.accept) }

// accept admits connections while fewer than maxPendingTCP wait for
// authentication, each with its own reader goroutine.
func (t *tcpListener) accept() {
	for {
		conn, err := t.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or the like: back off instead of spinning.
			t.s.log.Warn("ice-tcp accept", "err", err)
			select {
			case <-t.s.ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if t.pending.Add(1) > maxPendingTCP {
			t.pending.Add(-1)
			_ = conn.Close()
			continue
		}
		c := &tcpConn{
			s:      t.s,
			ln:     t,
			conn:   conn,
			addr:   addrPortOf(conn.RemoteAddr()),
			closed: make(chan struct{}),
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			t.pending.Add(-1)
			_ = conn.Close()
			return
		}
		t.conns[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		_ = conn.SetNoDelay(true)
		_ = conn.SetReadDeadline(time.Now().Add(tcpAuthTimeout))
		go func() {
			defer t.wg.Done()
			c.read()
		}()
	}
}

// close stops accepting, closes every connection and waits for their
// goroutines.
func (t *tcpListener) close() {
	t.mu.Lock()
	t.closed = true
	conns := make([]*tcpConn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	_ = t.ln.Close()
	for _, c := range conns {
		c.close()
	}
	t.wg.Wait()
}

// count returns the number of open connections.
func (t *tcpListener) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *tcpListener) forget(c *tcpConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// tcpConn is one client's ICE-TCP connection: RFC 4571 frames (a 2-byte
// length, then one STUN, DTLS, SRTP or SRTCP packet), demultiplexed
// exactly like the shared socket's datagrams. It carries at most one leg:
// the one its first valid check authenticated. Its reader goroutine is
// that leg's ingress while the client sends on it; sending goes through
// its bounded write queue and writer goroutine (tcpwriter.go), so no
// forwarding goroutine ever waits for a TCP peer.
type tcpConn struct {
	s    *SFU
	ln   *tcpListener
	conn *net.TCPConn
	addr netip.AddrPort

	// leg is the leg a valid check bound the connection to (nil before).
	// Only the reader goroutine binds.
	leg atomic.Pointer[Leg]
	// w is the write side, created at binding: an unauthenticated
	// connection is never written to and holds no queue.
	w atomic.Pointer[tcpWriter]

	closed    chan struct{}
	closeOnce sync.Once
}

// read is the connection's reader goroutine: frames until the connection
// fails, is closed, or (before binding) the authentication deadline
// passes.
func (c *tcpConn) read() {
	bound := false
	defer func() {
		if !bound {
			c.ln.pending.Add(-1)
		}
		c.close()
		c.ln.forget(c)
		if w := c.w.Load(); w != nil {
			w.wait()
		}
		if l := c.leg.Load(); l != nil {
			l.removeTCP(c)
		}
	}()
	br := bufio.NewReaderSize(c.conn, tcpReadBuffer)
	var hdr [2]byte
	buf := make([]byte, maxTCPFrame)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			c.readFailed(err)
			return
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if n > maxTCPFrame {
			c.s.log.Debug("ice-tcp frame too large", "from", c.addr, "bytes", n)
			c.readFailed(errTCPFrameTooLarge)
			return
		}
		if _, err := io.ReadFull(br, buf[:n]); err != nil {
			c.readFailed(err)
			return
		}
		c.handle(buf[:n], time.Now())
		if !bound && c.leg.Load() != nil {
			bound = true
			c.ln.pending.Add(-1)
			_ = c.conn.SetReadDeadline(time.Time{})
		}
	}
}

// readFailed reports the end of the connection to its leg if media was
// going over it: the leg ends now rather than at its consent timeout. The
// client closing the connection (FIN: a hang-up, typically right after
// its DTLS close_notify, which may still be queued for the handshake
// goroutine) is ErrPeerClosed; anything else ErrPeerFailed.
func (c *tcpConn) readFailed(err error) {
	l := c.leg.Load()
	if l == nil || l.gone.Load() {
		return
	}
	if r := l.remote.Load(); r == nil || r.tcp != c {
		return
	}
	if errors.Is(err, io.EOF) {
		l.log.Info("ice-tcp connection closed by the client")
		l.signalEnd(fmt.Errorf("%w: ice-tcp connection closed", ErrPeerClosed))
		return
	}
	l.log.Info("ice-tcp connection lost", "err", err)
	l.signalEnd(fmt.Errorf("%w: ice-tcp connection lost: %w", ErrPeerFailed, err))
}

// handle demultiplexes one frame by its first byte (RFC 7983), as the UDP
// reader does a datagram.
func (c *tcpConn) handle(b []byte, now time.Time) {
	if len(b) == 0 {
		return
	}
	switch x := b[0]; {
	case x < 4:
		c.s.answerCheck(b, path{addr: c.addr, tcp: c}, now)
	case x >= 20 && x <= 63:
		if l := c.boundLeg(); l != nil {
			l.dc.Deliver(b)
		}
	case x >= 128 && x <= 191:
		if l := c.boundLeg(); l != nil {
			rd := c.s.tcpReaders.Get().(*reader)
			rd.now = now
			rd.media(l, b)
			rd.out.batch.flush()
			c.s.tcpReaders.Put(rd)
		}
	}
}

// boundLeg is the connection's leg while it lives.
func (c *tcpConn) boundLeg() *Leg {
	l := c.leg.Load()
	if l == nil || l.gone.Load() {
		return nil
	}
	return l
}

// bind makes l the connection's leg on its first valid check and starts
// the writer; a connection stays with its first leg (false for another,
// and when l has maxTCPPerLeg connections). Reader goroutine only.
func (c *tcpConn) bind(l *Leg) bool {
	if cur := c.leg.Load(); cur != nil {
		return cur == l
	}
	if !l.addTCP(c) {
		return false // the leg is closing
	}
	w := newTCPWriter(c)
	c.w.Store(w)
	c.leg.Store(l)
	w.start()
	l.log.Info("ice-tcp connection bound", "from", c.addr)
	return true
}

// send frames b into the write queue; it never blocks. An unbound or
// closed connection, or a full queue, drops b (counted) and returns an
// error.
func (c *tcpConn) send(b []byte) error {
	w := c.w.Load()
	if w == nil {
		return errTCPNotBound
	}
	return w.enqueue(b)
}

// close closes the connection at once; queued frames are lost.
func (c *tcpConn) close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		_ = c.conn.Close()
	})
}

// closeAfterFlush closes the connection once what is queued (a DTLS
// close_notify) has been written, within tcpWriteTimeout.
func (c *tcpConn) closeAfterFlush() {
	if w := c.w.Load(); w != nil {
		w.finish()
		return
	}
	c.close()
}

// udpSink sends the datagrams a TCP reader's forwarding produced for UDP
// listeners, one WriteTo each: TCP readers are many and their packets
// few, so they share the socket's plain write path (which the kernel
// serialises with the UDP reader's sendmmsg) rather than a batch each.
type udpSink struct{ conn *net.UDPConn }

func (u udpSink) writeBatch(msgs []outMsg, bufs *[sendBatchSize][packetSize]byte) {
	for i, m := range msgs {
		_, _ = u.conn.WriteToUDPAddrPort(bufs[i][:m.n], m.to)
	}
}
