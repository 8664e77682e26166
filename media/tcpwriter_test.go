package media

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// tcpPair is a bound-looking tcpConn over a real loopback connection, and
// the peer's end.
func tcpPair(t *testing.T) (*tcpConn, net.Conn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	s := &SFU{log: slog.New(slog.DiscardHandler)}
	c := &tcpConn{s: s, conn: conn, addr: addrPortOf(peer.LocalAddr()), closed: make(chan struct{})}
	t.Cleanup(func() {
		c.close()
		_ = peer.Close()
	})
	return c, peer
}

// TestTCPWriterBounded: a connection's queue holds tcpQueueLen frames;
// more are dropped and counted at once (no producer ever waits), and what
// was queued reaches the peer in order, RFC 4571 framed.
func TestTCPWriterBounded(t *testing.T) {
	c, peer := tcpPair(t)
	w := newTCPWriter(c)
	c.w.Store(w)
	const extra = 36
	for i := range tcpQueueLen + extra {
		pkt := bytes.Repeat([]byte{byte(i)}, 100+i)
		err := c.send(pkt)
		if (i < tcpQueueLen) != (err == nil) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if got := c.s.tcpDropped.Load(); got != extra {
		t.Fatalf("%d dropped, want %d", got, extra)
	}
	if err := c.send(make([]byte, maxTCPFrame+1)); err == nil {
		t.Fatal("oversized packet queued")
	}

	w.start()
	defer w.wait()
	_ = peer.SetReadDeadline(time.Now().Add(flowDeadline))
	for i := range tcpQueueLen {
		var hdr [2]byte
		if _, err := io.ReadFull(peer, hdr[:]); err != nil {
			t.Fatal(err)
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		b := make([]byte, n)
		if _, err := io.ReadFull(peer, b); err != nil {
			t.Fatal(err)
		}
		if want := bytes.Repeat([]byte{byte(i)}, 100+i); !bytes.Equal(b, want) {
			t.Fatalf("frame %d: %d bytes %x..., want %d bytes of %x", i, n, b[:1], len(want), i)
		}
	}
	// Finish: what is queued is written, then the connection closes.
	if err := c.send([]byte("last")); err != nil {
		t.Fatal(err)
	}
	w.finish()
	b, err := io.ReadAll(peer)
	if err != nil || !bytes.Equal(b, append([]byte{0, 4}, "last"...)) {
		t.Fatalf("after finish read %q, %v", b, err)
	}
}

// TestTCPWriterAllocatesNothing: queueing a packet for a TCP listener
// copies it into a preallocated frame.
func TestTCPWriterAllocatesNothing(t *testing.T) {
	c, _ := tcpPair(t)
	w := newTCPWriter(c)
	c.w.Store(w)
	pkt := make([]byte, 120)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := c.send(pkt); err != nil {
			t.Fatal(err)
		}
		w.free <- <-w.queue // what the writer does once written
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per queued packet", allocs)
	}
}
