package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/callcenter"
)

// ConversationWriter keeps the conversation directory up to date for the
// conversations this node hosts. It is the domain's callcenter.Mirror: the
// domain hands it each change without waiting, and a goroutine writes the
// latest state of each conversation to KV (or deletes it when it ended).
// Only the newest state of a conversation matters, so changes that pile up
// while a write is in flight are coalesced: the queue holds at most one
// entry per live conversation, however fast they change.
type ConversationWriter struct {
	kv   jetstream.KeyValue
	node NodeID
	log  *slog.Logger

	mu      sync.Mutex
	pending map[callcenter.ConversationID]*callcenter.ConversationSnapshot // nil: delete
	order   []callcenter.ConversationID                                    // first-change order of pending
	closing bool
	closeBy time.Time // deadline of the final flush

	wake chan struct{} // cap 1
	done chan struct{}
}

var _ callcenter.Mirror = (*ConversationWriter)(nil)

// retryDelay is the pause after a failed write before trying again.
const retryDelay = 250 * time.Millisecond

func newConversationWriter(kv jetstream.KeyValue, node NodeID, log *slog.Logger) *ConversationWriter {
	w := &ConversationWriter{
		kv: kv, node: node, log: log,
		pending: map[callcenter.ConversationID]*callcenter.ConversationSnapshot{},
		wake:    make(chan struct{}, 1), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// ConversationChanged queues the conversation's new state. It never blocks.
func (w *ConversationWriter) ConversationChanged(s callcenter.ConversationSnapshot) {
	w.queue(s.ID, &s)
}

// ConversationEnded queues the deletion of the conversation's record.
func (w *ConversationWriter) ConversationEnded(id callcenter.ConversationID) {
	w.queue(id, nil)
}

func (w *ConversationWriter) queue(id callcenter.ConversationID, s *callcenter.ConversationSnapshot) {
	w.mu.Lock()
	if _, ok := w.pending[id]; !ok {
		w.order = append(w.order, id)
	}
	w.pending[id] = s
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *ConversationWriter) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		pending, order, closing, closeBy := w.pending, w.order, w.closing, w.closeBy
		w.pending, w.order = map[callcenter.ConversationID]*callcenter.ConversationSnapshot{}, nil
		w.mu.Unlock()

		failed := false
		for _, id := range order {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			if closing {
				ctx, cancel = context.WithDeadline(context.Background(), closeBy)
			}
			err := w.write(ctx, id, pending[id])
			cancel()
			if err != nil {
				failed = true
				w.log.Warn("conversation directory write failed; retrying", "conversation", id, "err", err)
				w.requeue(id, pending[id])
			}
		}
		if closing && (!failed || !time.Now().Before(closeBy)) {
			if failed {
				w.log.Warn("conversation directory: records left unwritten at close", "count", w.backlog())
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

// requeue puts back a failed write unless a newer state was queued meanwhile.
func (w *ConversationWriter) requeue(id callcenter.ConversationID, s *callcenter.ConversationSnapshot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.pending[id]; ok {
		return
	}
	w.pending[id] = s
	w.order = append(w.order, id)
}

func (w *ConversationWriter) backlog() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.order)
}

func (w *ConversationWriter) write(ctx context.Context, id callcenter.ConversationID, s *callcenter.ConversationSnapshot) error {
	key := string(id)
	if s == nil {
		if err := w.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("delete conversation record: %w", err)
		}
		return nil
	}
	b, err := json.Marshal(ConversationRecord{Node: w.node, UpdatedAt: time.Now().UTC(), Conversation: *s})
	if err != nil {
		return fmt.Errorf("conversation record: %w", err)
	}
	if _, err := w.kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("write conversation record: %w", err)
	}
	return nil
}

// Close writes what is queued (until ctx ends) and stops the writer. Call
// it after the domain closed: the ends of the conversations it closed are
// then deleted from the directory.
func (w *ConversationWriter) Close(ctx context.Context) error {
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
		return fmt.Errorf("conversation directory: %d records unwritten at close", n)
	}
	return nil
}
