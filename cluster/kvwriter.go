package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// kvWriter writes records a node keeps in a KV bucket — conversation
// records, session records — without making its caller wait: put and del
// never block, and a goroutine writes. Only the newest value of a key
// matters, so changes that pile up while a write is in flight are
// coalesced: the queue holds at most one entry per key, however fast it
// changes. A failed write is retried every retryDelay with the newest
// value.
type kvWriter struct {
	kv   jetstream.KeyValue
	what string // "conversation", "session": for logs and errors
	log  *slog.Logger

	mu      sync.Mutex
	pending map[string]func() ([]byte, error) // nil: delete
	order   []string                          // first-change order of pending
	closing bool
	closeBy time.Time // deadline of the final flush

	wake chan struct{} // cap 1
	done chan struct{}
}

// retryDelay is the pause after a failed write before trying again.
const retryDelay = 250 * time.Millisecond

func newKVWriter(kv jetstream.KeyValue, what string, log *slog.Logger) *kvWriter {
	w := &kvWriter{
		kv: kv, what: what, log: log,
		pending: map[string]func() ([]byte, error){},
		wake:    make(chan struct{}, 1), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// put queues key's new value, encoded when it is written (so a coalesced
// change costs no encoding).
func (w *kvWriter) put(key string, encode func() ([]byte, error)) { w.queue(key, encode) }

// del queues the deletion of key.
func (w *kvWriter) del(key string) { w.queue(key, nil) }

func (w *kvWriter) queue(key string, encode func() ([]byte, error)) {
	w.mu.Lock()
	if _, ok := w.pending[key]; !ok {
		w.order = append(w.order, key)
	}
	w.pending[key] = encode
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *kvWriter) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		pending, order, closing, closeBy := w.pending, w.order, w.closing, w.closeBy
		w.pending, w.order = map[string]func() ([]byte, error){}, nil
		w.mu.Unlock()

		failed := false
		for _, key := range order {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			if closing {
				ctx, cancel = context.WithDeadline(context.Background(), closeBy)
			}
			err := w.write(ctx, key, pending[key])
			cancel()
			if err != nil {
				failed = true
				w.log.Warn(w.what+" record write failed; retrying", "key", key, "err", err)
				w.requeue(key, pending[key])
			}
		}
		if closing && (!failed || !time.Now().Before(closeBy)) {
			if failed {
				w.log.Warn(w.what+" records left unwritten at close", "count", w.backlog())
			}
			return
		}
		if failed {
			select {
			case <-time.After(retryDelay):
			case <-w.wake: // Close: retry now, against its deadline
			}
			continue
		}
		w.mu.Lock()
		idle := len(w.order) == 0 && !w.closing
		w.mu.Unlock()
		if idle {
			<-w.wake
		}
	}
}

// requeue puts back a failed write unless a newer value was queued meanwhile.
func (w *kvWriter) requeue(key string, encode func() ([]byte, error)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.pending[key]; ok {
		return
	}
	w.pending[key] = encode
	w.order = append(w.order, key)
}

func (w *kvWriter) backlog() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.order)
}

func (w *kvWriter) write(ctx context.Context, key string, encode func() ([]byte, error)) error {
	if encode == nil {
		if err := w.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("delete %s record: %w", w.what, err)
		}
		return nil
	}
	b, err := encode()
	if err != nil {
		return fmt.Errorf("%s record: %w", w.what, err)
	}
	if _, err := w.kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("write %s record: %w", w.what, err)
	}
	return nil
}

// close writes what is queued (until ctx ends) and stops the writer.
func (w *kvWriter) close(ctx context.Context) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(writeTimeout)
	}
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closing, w.closeBy = true, deadline
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
	if n := w.backlog(); n > 0 {
		return fmt.Errorf("%s directory: %d records unwritten at close", w.what, n)
	}
	return nil
}
