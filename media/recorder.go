package media

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// recordTick is how often the recording writer drains the queue. Polling
// instead of waking the writer per packet keeps the forwarding goroutine's
// share of recording to one copy and two non-blocking channel operations:
// a send to a channel nobody waits on never wakes a goroutine.
const recordTick = 20 * time.Millisecond

// recPacket is one queued copy of a forwarded packet. Entries are allocated
// once, when the first recording starts, and cycle between the free list
// and the queue: the forwarding path never allocates.
type recPacket struct {
	file *legFile
	at   int64 // arrival, Unix nanoseconds
	ts   uint32
	n    int
	buf  [packetSize]byte
}

// recorder is the SFU's one recording queue and its writer goroutine. The
// forwarding goroutines (any shard, any ICE-TCP reader) copy packets in;
// the writer alone touches the files.
type recorder struct {
	log  *slog.Logger
	size int

	// free and queue hold every entry between them (each has capacity
	// size), so a send to queue never blocks and an empty free list is a
	// full queue.
	free, queue chan *recPacket
	ctl         chan func()

	// dropped counts packets lost to a full queue, written those written,
	// bytes the bytes of the files.
	dropped, written, bytes atomic.Uint64

	mu      sync.Mutex
	started bool
	closed  bool
	done    chan struct{}
	exited  chan struct{}
}

func newRecorder(size int, log *slog.Logger) *recorder {
	return &recorder{log: log, size: size, ctl: make(chan func()), done: make(chan struct{}), exited: make(chan struct{})}
}

// start allocates the queue and starts the writer on the first recording.
// It reports false once the SFU is closing.
func (r *recorder) start() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if r.started {
		return true
	}
	r.started = true
	r.alloc()
	go r.run()
	return true
}

// alloc creates the queue's entries, all free.
func (r *recorder) alloc() {
	r.free = make(chan *recPacket, r.size)
	r.queue = make(chan *recPacket, r.size)
	for range r.size {
		r.free <- &recPacket{}
	}
}

// close stops the writer once every recording has been stopped, and waits
// for it.
func (r *recorder) close() {
	r.mu.Lock()
	started, was := r.started, r.closed
	r.closed = true
	r.mu.Unlock()
	if !started || was {
		return
	}
	close(r.done)
	<-r.exited
}

// offer copies a forwarded packet of f's leg into the queue. It runs on a
// forwarding goroutine: it never blocks and never allocates; with the
// queue full the packet is left out of the recording and counted.
func (r *recorder) offer(f *legFile, pkt *rtp.Packet, now time.Time) {
	var e *recPacket
	select {
	case e = <-r.free:
	default:
		r.dropped.Add(1)
		f.dropped.Add(1)
		return
	}
	if len(pkt.Payload) > len(e.buf) {
		r.free <- e // cannot happen: a payload fits its datagram
		return
	}
	e.file, e.at, e.ts = f, now.UnixNano(), pkt.Timestamp
	e.n = copy(e.buf[:], pkt.Payload)
	r.queue <- e // never blocks: there are only size entries
}

// do runs fn on the writer goroutine after the packets queued so far are
// written, and waits for it.
func (r *recorder) do(fn func()) {
	ran := make(chan struct{})
	select {
	case r.ctl <- func() { fn(); close(ran) }:
		<-ran
	case <-r.exited:
		fn() // the writer is gone: nothing else touches the files
	}
}

// run is the writer goroutine.
func (r *recorder) run() {
	defer close(r.exited)
	t := time.NewTicker(recordTick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.drain()
		case fn := <-r.ctl:
			r.drain()
			fn()
		case <-r.done:
			r.drain()
			return
		}
	}
}

// drain writes what is queued.
func (r *recorder) drain() {
	for {
		select {
		case e := <-r.queue:
			e.file.write(e, r.log)
			e.file = nil
			r.free <- e
			r.written.Add(1)
		default:
			return
		}
	}
}
