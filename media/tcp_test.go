package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"

	"github.com/earshot/earshot/media/mediatest"
)

// candidateLine is one a=candidate line of an answer.
type candidateLine struct {
	proto    string
	priority uint32
	addr     string
	port     int
	tcpType  string
}

func answerCandidates(t *testing.T, answer string) []candidateLine {
	t.Helper()
	var out []candidateLine
	for _, line := range strings.Split(answer, "\r\n") {
		v, ok := strings.CutPrefix(line, "a=candidate:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 8 || f[6] != "typ" {
			t.Fatalf("candidate %q", line)
		}
		prio, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			t.Fatalf("candidate %q: %v", line, err)
		}
		port, err := strconv.Atoi(f[5])
		if err != nil {
			t.Fatalf("candidate %q: %v", line, err)
		}
		c := candidateLine{proto: f[2], priority: uint32(prio), addr: f[4], port: port}
		if len(f) >= 10 && f[8] == "tcptype" {
			c.tcpType = f[9]
		}
		out = append(out, c)
	}
	return out
}

// sfuOnFreeTCPNumber starts an SFU whose configured UDP port has a number
// that was free on TCP a moment ago: ICE-TCP must take the same number.
func sfuOnFreeTCPNumber(t *testing.T) *SFU {
	t.Helper()
	for range 5 {
		probe, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig()
		cfg.UDPPort = probe.Addr().(*net.TCPAddr).Port
		_ = probe.Close()
		s, err := New(Params{Config: cfg, Logger: testLogger()})
		if err != nil {
			continue // that number is busy on UDP: try another
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Fatal("no port number free on both UDP and TCP")
	return nil
}

// TestICETCPCandidates: the answer lists the UDP host candidate first and
// then a passive TCP one on the ICE-TCP port, at a lower priority (RFC
// 6544 section 4.2: host type preference, local preference 2^13*4+8191).
func TestICETCPCandidates(t *testing.T) {
	s := sfuOnFreeTCPNumber(t)
	if s.TCPAddr() == nil {
		t.Fatal("ice-tcp listener not running")
	}
	udpPort := s.UDPAddr().(*net.UDPAddr).Port
	tcpPort := s.TCPAddr().(*net.TCPAddr).Port
	if tcpPort != udpPort {
		t.Errorf("tcp port %d, want the udp port's number %d", tcpPort, udpPort)
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	l, err := s.NewGroup("cands").AddLeg(ctx, LegParams{ID: "C", Offer: offerOf(t, 3)})
	if err != nil {
		t.Fatal(err)
	}
	got := answerCandidates(t, l.Answer())
	want := []candidateLine{
		{proto: "udp", priority: 126<<24 | 65535<<8 | 255, addr: "127.0.0.1", port: udpPort},
		{proto: "tcp", priority: 126<<24 | (4<<13+8191)<<8 | 255, addr: "127.0.0.1", port: tcpPort, tcpType: "passive"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("candidates %+v\nwant %+v", got, want)
	}

	t.Run("off", func(t *testing.T) {
		cfg := testConfig()
		cfg.TCPPort = TCPOff
		s := newTestSFU(t, cfg)
		if s.TCPAddr() != nil {
			t.Fatal("ice-tcp listening although off")
		}
		l, err := s.NewGroup("udp").AddLeg(ctx, LegParams{ID: "U", Offer: offerOf(t, 3)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range answerCandidates(t, l.Answer()) {
			if c.proto != "udp" {
				t.Fatalf("candidate %+v with ice-tcp off", c)
			}
		}
	})

	t.Run("port taken", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		cfg := testConfig()
		cfg.TCPPort = taken.Addr().(*net.TCPAddr).Port
		s := newTestSFU(t, cfg) // starts UDP-only rather than failing
		if s.TCPAddr() != nil {
			t.Fatal("ice-tcp claims a port it could not bind")
		}
	})

	t.Run("udp port's number taken on tcp", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		busy := uint16(taken.Addr().(*net.TCPAddr).Port)
		s := &SFU{cfg: Config{ListenIP: "127.0.0.1"}, log: testLogger()}
		// The UDP port was picked at random (UDPPort 0): any TCP port does.
		ln := listenTCP(s, busy)
		if ln == nil {
			t.Fatal("no ice-tcp listener for a random udp port")
		}
		defer ln.ln.Close()
		if ln.port() == busy {
			t.Fatal("bound a busy port")
		}
		// A configured UDP port: its number or nothing, so that firewall
		// rules written for it hold.
		s.cfg.UDPPort = int(busy)
		if ln := listenTCP(s, busy); ln != nil {
			_ = ln.ln.Close()
			t.Fatal("ice-tcp moved off the configured udp port's number")
		}
	})
}

// TestICETCPMediaFlows: a pion client that gathers TCP only (its UDP
// blocked, as in an office that allows only TCP) connects over ICE-TCP:
// DTLS completes, and audio flows both ways with a UDP client.
func TestICETCPMediaFlows(t *testing.T) {
	s := newTestSFU(t, testConfig())
	log := newClosedLog()
	g := s.NewGroup("tcp")
	tc, err := mediatest.NewClient(mediatest.ClientParams{Speaker: "T", TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tc.Close() })
	uc := newTestClient(t, "U", 3)
	tcpLeg := join(t, g, "T", tc, log)
	udpLeg := join(t, g, "U", uc, log)

	if r := tcpLeg.remote.Load(); r == nil || r.tcp == nil {
		t.Fatalf("TCP-only client's path is %+v, want an ice-tcp connection", r)
	}
	if r := udpLeg.remote.Load(); r == nil || r.tcp != nil {
		t.Fatalf("UDP client's path is %+v, want UDP", r)
	}
	if tcpLeg.SRTPProfile() == "" {
		t.Fatal("no SRTP profile over ice-tcp")
	}
	if err := g.SetRoutes([]Route{{"T", "U"}, {"U", "T"}}); err != nil {
		t.Fatal(err)
	}
	tc.StartSending()
	uc.StartSending()
	waitMore(t, tc, "U", 100) // UDP → TCP
	waitMore(t, uc, "T", 100) // TCP → UDP
	if st := tcpLeg.Stats(); st.Received < 100 || st.Forwarded < 100 {
		t.Fatalf("tcp leg stats %+v", st)
	}
	if st := s.Stats(); st.TCPConnections < 1 {
		t.Fatalf("stats %+v: no ice-tcp connection", st)
	}
	if log.count("T")+log.count("U") != 0 {
		t.Fatal("a leg closed")
	}

	// The client hangs up: its close_notify arrives over TCP.
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	log.wait(t, "T", ErrPeerClosed, flowDeadline)
	eventually(t, flowDeadline, "ice-tcp connection closed", func() error {
		if n := s.Stats().TCPConnections; n != 0 {
			return fmt.Errorf("%d ice-tcp connections open", n)
		}
		return nil
	})
}

// writeFrame writes b as one RFC 4571 frame.
func writeFrame(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	f := binary.BigEndian.AppendUint16(nil, uint16(len(b)))
	if _, err := c.Write(append(f, b...)); err != nil {
		t.Fatal(err)
	}
}

// readFrame reads one frame, or returns the read error.
func readFrame(c net.Conn, deadline time.Duration) ([]byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(deadline))
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	_, err := io.ReadFull(c, b)
	return b, err
}

// waitClosedByServer reads until the server closes c (EOF or reset),
// failing on data or on the deadline.
func waitClosedByServer(t *testing.T, c net.Conn, within time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	var b [64]byte
	n, err := c.Read(b[:])
	switch {
	case n > 0:
		t.Fatalf("server answered %d bytes", n)
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err):
	default:
		t.Fatalf("connection not closed by the server within %s: %v", within, err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// TestICETCPChecks: over TCP the SFU answers only checks that
// authenticate, binds the connection to the leg, and closes connections
// that send wrong credentials, garbage or oversized frames.
func TestICETCPChecks(t *testing.T) {
	s := newTestSFU(t, testConfig())
	offer := offerOf(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), connectDeadline)
	defer cancel()
	l, err := s.NewGroup("checks").AddLeg(ctx, LegParams{ID: "I", Offer: offer})
	if err != nil {
		t.Fatal(err)
	}
	srvUfrag, srvPwd := sdpAttr(l.Answer(), "ice-ufrag"), sdpAttr(l.Answer(), "ice-pwd")
	cliUfrag := sdpAttr(offer, "ice-ufrag")
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	t.Run("wrong credentials: no answer, closed after the auth timeout", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		for _, m := range []struct{ user, pwd string }{
			{srvUfrag + ":" + cliUfrag, "wrong password for this leg"},
			{"nosuchufrag:" + cliUfrag, srvPwd},
			{srvUfrag + ":someoneelse", srvPwd},
		} {
			msg, _ := check(t, m.user, m.pwd, true)
			writeFrame(t, c, msg.Raw)
		}
		writeFrame(t, c, []byte{0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}) // media before binding
		writeFrame(t, c, []byte{22, 254, 253, 0})                         // a DTLS record
		waitClosedByServer(t, c, tcpAuthTimeout+flowDeadline)
		if el := time.Since(start); el < tcpAuthTimeout-time.Second {
			t.Fatalf("closed after %s, before the auth timeout", el)
		}
		if r := l.remote.Load(); r != nil {
			t.Fatalf("leg got a path from refused checks: %+v", r)
		}
	})

	t.Run("oversized frame: closed at once", func(t *testing.T) {
		c := dial(t)
		f := binary.BigEndian.AppendUint16(nil, maxTCPFrame+1)
		if _, err := c.Write(append(f, make([]byte, maxTCPFrame+1)...)); err != nil {
			t.Fatal(err)
		}
		waitClosedByServer(t, c, tcpAuthTimeout-time.Second)
	})

	t.Run("valid check: answered, bound, nominated", func(t *testing.T) {
		c := dial(t)
		good, tid := check(t, srvUfrag+":"+cliUfrag, srvPwd, true)
		writeFrame(t, c, good.Raw)
		b, err := readFrame(c, flowDeadline)
		if err != nil {
			t.Fatal(err)
		}
		resp := &stun.Message{Raw: b}
		if err := resp.Decode(); err != nil {
			t.Fatal(err)
		}
		if resp.Type != stun.BindingSuccess || resp.TransactionID != tid {
			t.Fatalf("answer is %s, want success for the check", resp.Type)
		}
		if err := stun.NewShortTermIntegrity(srvPwd).Check(resp); err != nil {
			t.Fatalf("answer integrity: %v", err)
		}
		me := c.LocalAddr().(*net.TCPAddr).AddrPort()
		var mapped stun.XORMappedAddress
		if err := mapped.GetFrom(resp); err != nil || mapped.Port != int(me.Port()) {
			t.Fatalf("mapped address %v (%v), want %s", mapped, err, me)
		}
		r := l.remote.Load()
		if r == nil || r.tcp == nil || r.addr.Port() != me.Port() {
			t.Fatalf("leg path %+v, want this connection", r)
		}
		// Bound: the auth timeout no longer applies.
		if _, err := readFrame(c, tcpAuthTimeout+time.Second); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("bound connection: %v, want silence", err)
		}
	})

	t.Run("at most maxTCPPerLeg connections per leg", func(t *testing.T) {
		offer := offerOf(t, 3)
		l, err := s.NewGroup("limit").AddLeg(ctx, LegParams{ID: "L", Offer: offer})
		if err != nil {
			t.Fatal(err)
		}
		user := sdpAttr(l.Answer(), "ice-ufrag") + ":" + sdpAttr(offer, "ice-ufrag")
		pwd := sdpAttr(l.Answer(), "ice-pwd")
		for i := range maxTCPPerLeg + 1 {
			c := dial(t)
			m, _ := check(t, user, pwd, false)
			writeFrame(t, c, m.Raw)
			if i == maxTCPPerLeg {
				waitClosedByServer(t, c, tcpAuthTimeout+flowDeadline)
				break
			}
			if _, err := readFrame(c, flowDeadline); err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
		}
	})
}

// TestICETCPPendingLimit: at most maxPendingTCP connections may wait for
// authentication; the next one is closed at once.
func TestICETCPPendingLimit(t *testing.T) {
	s := newTestSFU(t, testConfig())
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for range maxPendingTCP {
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	eventually(t, flowDeadline, "pending connections accepted", func() error {
		if n := s.Stats().TCPConnections; n != maxPendingTCP {
			return fmt.Errorf("%d connections", n)
		}
		return nil
	})
	extra, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	conns = append(conns, extra)
	waitClosedByServer(t, extra, tcpAuthTimeout-time.Second)
	// Once the waiting ones time out, all are gone.
	eventually(t, tcpAuthTimeout+flowDeadline, "unauthenticated connections closed", func() error {
		if n := s.Stats().TCPConnections; n != 0 {
			return fmt.Errorf("%d connections", n)
		}
		return nil
	})
}
