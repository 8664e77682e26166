package media

import (
	"bufio"
	"encoding/binary"
	"sync"
	"time"
)

// The write side of an ICE-TCP connection.
const (
	// tcpQueueLen bounds the frames waiting for a connection's writer:
	// about 400 ms of a listener's three slots. A full queue drops.
	tcpQueueLen = 64
	// tcpWriteTimeout closes a connection whose peer has not taken what
	// was written by then: a stalled client must not hold a writer (or
	// its queue) forever.
	tcpWriteTimeout = 5 * time.Second
	// tcpWriteBuffer coalesces the queued frames into few writes.
	tcpWriteBuffer = 16 << 10
)

// tcpFrame is one RFC 4571 frame: the 2-byte length, then the packet.
type tcpFrame struct {
	n int
	b [2 + maxTCPFrame]byte
}

// tcpWriter owns a bound connection's bounded write queue and the
// goroutine that drains it. Producers (the UDP reader, other TCP readers,
// the reporter, DTLS, ICE answers) copy their packet into a free frame
// and queue it; when no frame is free the packet is dropped and counted
// (Stats.TCPDropped), as a full socket buffer would drop a datagram. The
// frames are allocated once, so queueing allocates nothing.
type tcpWriter struct {
	c     *tcpConn
	queue chan *tcpFrame
	free  chan *tcpFrame

	finishing  chan struct{}
	finishOnce sync.Once
	done       chan struct{}
}

func newTCPWriter(c *tcpConn) *tcpWriter {
	w := &tcpWriter{
		c:         c,
		queue:     make(chan *tcpFrame, tcpQueueLen),
		free:      make(chan *tcpFrame, tcpQueueLen),
		finishing: make(chan struct{}),
		done:      make(chan struct{}),
	}
	frames := make([]tcpFrame, tcpQueueLen)
	for i := range frames {
		w.free <- &frames[i]
	}
	return w
}

// start runs the writer goroutine; the connection's reader waits for it
// (wait) before it ends.
func (w *tcpWriter) start() { go w.run() }

// wait returns when the writer goroutine has ended.
func (w *tcpWriter) wait() { <-w.done }

// enqueue frames b into the queue without blocking.
func (w *tcpWriter) enqueue(b []byte) error {
	if len(b) > maxTCPFrame {
		w.c.s.tcpDropped.Add(1)
		return errPacketTooLarge
	}
	var f *tcpFrame
	select {
	case f = <-w.free:
	default:
		w.c.s.tcpDropped.Add(1)
		return errTCPQueueFull
	}
	binary.BigEndian.PutUint16(f.b[:2], uint16(len(b)))
	f.n = 2 + copy(f.b[2:], b)
	// Never blocks: the queue holds as many frames as exist.
	w.queue <- f
	return nil
}

// finish asks the writer to write what is queued, then close the
// connection.
func (w *tcpWriter) finish() { w.finishOnce.Do(func() { close(w.finishing) }) }

// run writes queued frames, coalescing whatever is queued into one
// buffered write, until the connection closes or fails or finish is
// asked. A write that does not complete within tcpWriteTimeout closes the
// connection (the leg then fails if it was its path).
func (w *tcpWriter) run() {
	defer close(w.done)
	conn := w.c.conn
	bw := bufio.NewWriterSize(conn, tcpWriteBuffer)
	for {
		select {
		case f := <-w.queue:
			_ = conn.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
			if !w.write(bw, f) || !w.drain(bw) || bw.Flush() != nil {
				w.c.close()
				return
			}
		case <-w.finishing:
			_ = conn.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
			if w.drain(bw) {
				_ = bw.Flush()
			}
			w.c.close()
			return
		case <-w.c.closed:
			return
		}
	}
}

// drain writes every frame queued right now.
func (w *tcpWriter) drain(bw *bufio.Writer) bool {
	for {
		select {
		case f := <-w.queue:
			if !w.write(bw, f) {
				return false
			}
		default:
			return true
		}
	}
}

// write buffers one frame and frees it.
func (w *tcpWriter) write(bw *bufio.Writer, f *tcpFrame) bool {
	_, err := bw.Write(f.b[:f.n])
	w.free <- f
	if err != nil {
		w.c.s.log.Debug("ice-tcp write", "to", w.c.addr, "err", err)
		return false
	}
	return true
}
