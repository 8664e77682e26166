package dtlsconn

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// fakePath records what is sent and has a settable remote.
type fakePath struct {
	mu     sync.Mutex
	remote netip.AddrPort
	sent   [][]byte
	to     []netip.AddrPort
}

func (f *fakePath) Remote() (netip.AddrPort, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remote, f.remote.IsValid()
}

func (f *fakePath) Send(p []byte, to netip.AddrPort) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, append([]byte(nil), p...))
	f.to = append(f.to, to)
	return len(p), nil
}

func (f *fakePath) LocalAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7} }

func (f *fakePath) setRemote(a netip.AddrPort) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remote = a
}

func TestConn(t *testing.T) {
	t.Run("deliver and read", func(t *testing.T) {
		p := &fakePath{remote: netip.MustParseAddrPort("10.0.0.1:5000")}
		c := New(p)
		rec := []byte{22, 254, 253}
		c.Deliver(rec)
		rec[0] = 0 // Deliver copied it
		buf := make([]byte, 16)
		n, from, err := c.ReadFrom(buf)
		if err != nil || n != 3 || buf[0] != 22 || from.String() != "10.0.0.1:5000" {
			t.Fatalf("read % x from %v: %v", buf[:n], from, err)
		}
	})

	t.Run("full queue drops without blocking", func(t *testing.T) {
		c := New(&fakePath{})
		for i := range queueLen + 5 {
			c.Deliver([]byte{byte(i)})
		}
		if len(c.in) != queueLen {
			t.Fatalf("queued %d, want %d", len(c.in), queueLen)
		}
	})

	t.Run("writes follow the current remote", func(t *testing.T) {
		p := &fakePath{}
		c := New(p)
		if n, err := c.WriteTo([]byte{1, 2}, nil); n != 2 || err != nil || len(p.sent) != 0 {
			t.Fatalf("no path: n=%d err=%v sent=%d", n, err, len(p.sent))
		}
		if a := c.RemoteAddr().(*net.UDPAddr); a.Port != 0 {
			t.Fatalf("remote without path = %v", a)
		}
		first, second := netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:2")
		p.setRemote(first)
		_, _ = c.WriteTo([]byte{1}, nil)
		p.setRemote(second)
		_, _ = c.WriteTo([]byte{2}, net.UDPAddrFromAddrPort(first))
		if len(p.to) != 2 || p.to[0] != first || p.to[1] != second {
			t.Fatalf("sent to %v", p.to)
		}
		if c.LocalAddr().String() != "127.0.0.1:7" {
			t.Fatalf("local %v", c.LocalAddr())
		}
	})

	t.Run("read deadline", func(t *testing.T) {
		c := New(&fakePath{})
		if err := c.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadFrom(make([]byte, 4)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		_ = c.SetDeadline(time.Time{})
		c.Deliver([]byte{1})
		if _, _, err := c.ReadFrom(make([]byte, 4)); err != nil {
			t.Fatalf("after clearing the deadline: %v", err)
		}
	})

	t.Run("close", func(t *testing.T) {
		c := New(&fakePath{remote: netip.MustParseAddrPort("10.0.0.1:1")})
		done := make(chan error, 1)
		go func() {
			_, _, err := c.ReadFrom(make([]byte, 4))
			done <- err
		}()
		_ = c.Close()
		_ = c.Close() // idempotent
		select {
		case err := <-done:
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("read after close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("read did not return after Close")
		}
		if _, err := c.WriteTo([]byte{1}, nil); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("write after close: %v", err)
		}
	})
}
