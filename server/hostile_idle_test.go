package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Thousands of sockets that upgrade and then say nothing, and clients that
// never finish their upgrade request: each is cut off by a timeout, the
// server keeps serving meanwhile, and goroutines and memory come back.
func TestHostileIdleSockets(t *testing.T) {
	const (
		// Long enough for 2000 sockets to be open at once on a loaded
		// machine under the race detector; the default is 10 s.
		authTimeout   = 8 * time.Second
		headerTimeout = time.Second
	)
	w := newWorld(t, func(c *Config) {
		c.Signaling.AuthTimeout = authTimeout
		c.HTTP.ReadHeaderTimeout = headerTimeout
	})
	host := strings.TrimPrefix(w.ts.base, "http://")

	t.Run("2000 idle unauthenticated sockets", func(t *testing.T) {
		const n = 2000
		before := snapshot(t, w.ts)
		heap0, g0 := heapInuse(), runtime.NumGoroutine()
		conns := make([]*rawConn, n)
		defer func() {
			for _, c := range conns {
				if c != nil {
					_ = c.Close()
				}
			}
		}()
		start := time.Now()
		// A few dialers in parallel, so that all sockets are open well
		// within the auth timeout even on a loaded machine.
		const dialers = 8
		errs := make(chan error, dialers)
		for d := range dialers {
			go func() {
				for i := d; i < n; i += dialers {
					c, err := upgradeRaw(host)
					if err != nil {
						errs <- fmt.Errorf("socket %d: %w", i, err)
						return
					}
					conns[i] = c
				}
				errs <- nil
			}()
		}
		for range dialers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		opened := time.Since(start)
		peakG, peakHeap := runtime.NumGoroutine(), heapInuse()
		// Meanwhile a real user is served.
		w.agent.do(t, "ping", nil, nil)

		// Every socket gets auth_timeout (no id), then a close frame 1008
		// "auth_timeout", then the connection ends.
		for i, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(authTimeout + testDeadline))
			frames, err := c.frames()
			if err != nil {
				t.Fatalf("socket %d: %v (after %v)", i, err, time.Since(start))
			}
			if len(frames) != 2 || frames[0].op != 1 || frames[1].op != 8 {
				t.Fatalf("socket %d: frames %+v", i, frames)
			}
			var resp wireFrame
			if err := json.Unmarshal(frames[0].payload, &resp); err != nil || resp.code() != "auth_timeout" || resp.ID != nil {
				t.Fatalf("socket %d: first frame %q", i, frames[0].payload)
			}
			if len(frames[1].payload) < 2 || binary.BigEndian.Uint16(frames[1].payload) != 1008 || string(frames[1].payload[2:]) != "auth_timeout" {
				t.Fatalf("socket %d: close frame %q", i, frames[1].payload)
			}
			_ = c.Close()
		}
		conns = nil
		closedAll := time.Since(start)
		waitGoroutines(t, g0)
		heap1 := heapInuse()
		t.Logf("%d sockets opened in %v, all closed by the auth timeout after %v; goroutines %d → peak %d → %d; heap in use %d KiB → peak %d KiB → %d KiB",
			n, opened.Round(time.Millisecond), closedAll.Round(time.Millisecond), g0, peakG, runtime.NumGoroutine(), heap0>>10, peakHeap>>10, heap1>>10)
		// Two goroutines per socket: at least half of them were held at once.
		if peakG < g0+n {
			t.Fatalf("peak goroutines %d: the server did not hold thousands of sockets at once (baseline %d)", peakG, g0)
		}
		if heap1 > heap0+8<<20 {
			t.Fatalf("heap in use %d KiB after the sockets closed, %d KiB before", heap1>>10, heap0>>10)
		}
		w.intact(t, before)
	})

	// A slowloris client sends its upgrade request one header line at a time
	// and never finishes: the header timeout cuts it off although it keeps
	// sending, and it never gets a 101.
	t.Run("slow upgrade", func(t *testing.T) {
		before := snapshot(t, w.ts)
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", host)
		lines := 0
		var got []byte
		buf := make([]byte, 512)
		for {
			if time.Since(start) > 10*headerTimeout {
				t.Fatalf("still connected after %v of trickling %d header lines", time.Since(start), lines)
			}
			if _, err := fmt.Fprintf(c, "X-Slow-%d: x\r\n", lines); err == nil {
				lines++
			}
			// The read deadline paces the trickle: one line per 100 ms.
			_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if err != nil {
				break // cut off
			}
		}
		cutAfter := time.Since(start)
		t.Logf("cut off after %v and %d header lines; server sent %q", cutAfter.Round(time.Millisecond), lines, got)
		if strings.HasPrefix(string(got), "HTTP/1.1 101") {
			t.Fatal("the unfinished request was upgraded")
		}
		if cutAfter < headerTimeout {
			t.Fatalf("cut off after %v, before the header timeout: not by it", cutAfter)
		}
		w.intact(t, before)
	})
}

// heapInuse is the heap in use after a garbage collection.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// rawConn is a WebSocket opened by hand, with the reader that read its
// upgrade response.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

// upgradeRaw opens a WebSocket with a hand-written upgrade request, so that
// thousands cost the test no goroutine.
func upgradeRaw(host string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(testDeadline))
	req := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	r := bufio.NewReaderSize(c, 512)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade: %s", resp.Status)
	}
	return &rawConn{Conn: c, r: r}, nil
}

type serverFrame struct {
	op      byte
	payload []byte
}

// frames reads unmasked server frames until the connection ends.
func (c *rawConn) frames() ([]serverFrame, error) {
	r := c.r
	var out []serverFrame
	for {
		var h [2]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) && len(out) > 0 && out[len(out)-1].op == 8 {
				return out, nil
			}
			return out, err
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(r, l[:]); err != nil {
				return out, err
			}
			n = int(binary.BigEndian.Uint16(l[:]))
		case 127:
			return out, errors.New("server sent a frame over 64 KiB")
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			return out, err
		}
		out = append(out, serverFrame{op: h[0] & 0x0f, payload: p})
	}
}
