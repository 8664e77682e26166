package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
)

// WriterParams configures a Writer.
type WriterParams struct {
	Store  Store
	Logger *slog.Logger
	// MaxBatch bounds the rows of one transaction (default 512). A batch is
	// never split, so one larger than this is committed alone.
	MaxBatch int
	// MaxBacklog bounds the asynchronous batches kept while the store fails
	// (default 65536); beyond it the oldest are dropped, loudly.
	MaxBacklog int
	// MaxAttempts is how often an asynchronous batch is tried before it is
	// dropped (default 20).
	MaxAttempts int
	// CommitTimeout bounds one transaction (default 5 s).
	CommitTimeout time.Duration
	// Observe, if set, is told about every transaction (for metrics).
	Observe func(CommitStats)
	// Now is the clock that stamps audit events (tests); default time.Now.
	// It is called under the writer's lock, from the callers' goroutines.
	Now func() time.Time
}

// CommitStats describes one group commit.
type CommitStats struct {
	Duration time.Duration
	// Batches is how many callers' batches the transaction carried; Rows
	// how many rows.
	Batches, Rows int
	Err           error
	// Backlog is how many batches were waiting when it finished.
	Backlog int
}

// Writer groups the writes of many callers into few transactions (group
// commit): while one transaction runs, the next callers queue up and are
// committed together in the next one. Commit waits for durability; Enqueue
// does not. Both keep one order: audit events enter their tenant's chain in
// the order they were handed in, and each is stamped with the server time
// (UTC, milliseconds, never going backwards) when it is handed in.
type Writer struct {
	p   WriterParams
	log *slog.Logger

	mu      sync.Mutex
	queue   []*entry
	closing bool
	lastAt  int64 // ms of the last stamp, so time never goes backwards
	wake    chan struct{}
	stopped chan struct{}
	backoff chan struct{} // closed to cut a backoff short (a waiter arrived, or Close)
}

type entry struct {
	b        Batch
	done     chan error // nil: asynchronous
	taken    bool       // in a transaction; can no longer be withdrawn
	attempts int
}

// NewWriter starts a Writer over p.Store. Close stops it.
func NewWriter(p WriterParams) *Writer {
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.MaxBatch <= 0 {
		p.MaxBatch = 512
	}
	if p.MaxBacklog <= 0 {
		p.MaxBacklog = 65536
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 20
	}
	if p.CommitTimeout <= 0 {
		p.CommitTimeout = 5 * time.Second
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	w := &Writer{p: p, log: p.Logger, wake: make(chan struct{}, 1), stopped: make(chan struct{}), backoff: make(chan struct{})}
	go w.loop()
	return w
}

// Commit writes b durably and returns once it is committed. An error means
// nothing of b was written (and never will be): the caller must refuse
// whatever b records.
func (w *Writer) Commit(ctx context.Context, b Batch) error {
	if b.Empty() {
		return nil
	}
	e := &entry{b: b, done: make(chan error, 1)}
	if err := w.add(e); err != nil {
		return err
	}
	select {
	case err := <-e.done:
		return err
	case <-ctx.Done():
	}
	w.mu.Lock()
	if !e.taken {
		w.remove(e)
		w.mu.Unlock()
		return fmt.Errorf("commit: %w", ctx.Err())
	}
	w.mu.Unlock()
	// Already in a transaction: its outcome is the truth, and it is bounded
	// by CommitTimeout.
	return <-e.done
}

// Enqueue writes b in order without waiting: for facts that happened
// whatever the store says (a conversation ended, so its help request was
// cancelled). Failed writes are retried; see WriterParams.
func (w *Writer) Enqueue(b Batch) {
	if b.Empty() {
		return
	}
	if err := w.add(&entry{b: b}); err != nil {
		w.log.Error("audit/history write dropped", "err", err, "rows", b.Len())
	}
}

func (w *Writer) add(e *entry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return ErrClosed
	}
	w.stamp(&e.b)
	if e.done == nil {
		w.trimBacklog()
	} else {
		w.cutBackoff()
	}
	w.queue = append(w.queue, e)
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// stamp sets the server time on b's audit events (copying the slice: the
// caller's batch is not ours to change) and gives them IDs.
func (w *Writer) stamp(b *Batch) {
	now := w.p.Now().UnixMilli()
	if now < w.lastAt {
		now = w.lastAt
	}
	w.lastAt = now
	evs := make([]AuditEvent, len(b.Audit))
	copy(evs, b.Audit)
	for i := range evs {
		evs[i].At = FromMillis(now)
		if evs[i].ID == "" {
			evs[i].ID = uuid.NewString()
		}
	}
	b.Audit = evs
}

// trimBacklog drops the oldest asynchronous entries beyond MaxBacklog.
// Lock held.
func (w *Writer) trimBacklog() {
	n := 0
	for _, e := range w.queue {
		if e.done == nil {
			n++
		}
	}
	for i := 0; n >= w.p.MaxBacklog && i < len(w.queue); {
		if e := w.queue[i]; e.done == nil && !e.taken {
			w.log.Error("audit/history backlog full: dropping the oldest write", "rows", e.b.Len())
			w.queue = append(w.queue[:i], w.queue[i+1:]...)
			n--
			continue
		}
		i++
	}
}

func (w *Writer) remove(e *entry) {
	for i, q := range w.queue {
		if q == e {
			w.queue = append(w.queue[:i], w.queue[i+1:]...)
			return
		}
	}
}

// cutBackoff ends a running backoff. Lock held.
func (w *Writer) cutBackoff() {
	select {
	case <-w.backoff:
	default:
		close(w.backoff)
	}
}

// Close commits what is queued (asynchronous writes get one more try) and
// stops the writer. Later writes fail with ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closing {
		w.closing = true
		w.cutBackoff()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	w.mu.Unlock()
	<-w.stopped
	return nil
}

func (w *Writer) loop() {
	defer close(w.stopped)
	for {
		group, closing := w.take()
		if len(group) == 0 {
			if closing {
				return
			}
			<-w.wake
			continue
		}
		err := w.commit(group)
		if err != nil && !closing && w.onlyRetries() {
			w.wait(time.Duration(min(group[0].attempts, 10)) * 100 * time.Millisecond)
		}
	}
}

// take removes the next group from the queue, up to MaxBatch rows.
func (w *Writer) take() ([]*entry, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var group []*entry
	rows := 0
	for _, e := range w.queue {
		if len(group) > 0 && rows+e.b.Len() > w.p.MaxBatch {
			break
		}
		e.taken = true
		group = append(group, e)
		rows += e.b.Len()
	}
	w.queue = w.queue[len(group):]
	return group, w.closing
}

// commit writes a group in one transaction. If that fails, one batch the
// database refuses (a value it cannot store) must not fail every caller
// grouped with it, on every retry: the batches are tried one by one, in
// order, until two in a row fail — then the store itself is failing and the
// rest share its error. It returns an error if any batch failed.
func (w *Writer) commit(group []*entry) error {
	errs := make([]error, len(group))
	err := w.transact(group)
	for i := range errs {
		errs[i] = err
	}
	if err != nil && len(group) > 1 {
		failures := 0
		for i, e := range group {
			if failures == 2 {
				break // errs[i:] keep the group's error
			}
			errs[i] = w.transact([]*entry{e})
			if errs[i] != nil {
				failures++
				err = errs[i]
			} else {
				failures = 0
			}
		}
		if failures < 2 {
			err = firstError(errs)
		}
	}
	w.settle(group, errs)
	return err
}

// transact commits entries' batches in one transaction.
func (w *Writer) transact(entries []*entry) error {
	var merged Batch
	for _, e := range entries {
		merged.Add(e.b)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), w.p.CommitTimeout)
	err := w.p.Store.Commit(ctx, merged)
	cancel()
	if err != nil {
		err = fmt.Errorf("commit %d rows: %w", merged.Len(), err)
		w.log.Error("store commit failed", "err", err, "batches", len(entries))
	}
	if w.p.Observe != nil {
		w.mu.Lock()
		backlog := len(w.queue)
		w.mu.Unlock()
		w.p.Observe(CommitStats{Duration: time.Since(start), Batches: len(entries), Rows: merged.Len(), Err: err, Backlog: backlog})
	}
	return err
}

// settle tells each entry's waiter its outcome, and puts failed
// asynchronous entries back at the head of the queue, in their order, until
// MaxAttempts.
func (w *Writer) settle(group []*entry, errs []error) {
	var retry []*entry
	for i, e := range group {
		err := errs[i]
		switch {
		case e.done != nil:
			e.done <- err
		case err != nil:
			e.attempts++
			w.mu.Lock()
			closing := w.closing
			w.mu.Unlock()
			if e.attempts < w.p.MaxAttempts && !closing {
				e.taken = false
				retry = append(retry, e)
			} else {
				w.log.Error("audit/history write dropped after retries", "rows", e.b.Len(), "attempts", e.attempts)
			}
		}
	}
	if len(retry) == 0 {
		return
	}
	w.mu.Lock()
	w.queue = append(retry, w.queue...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// firstError returns the first non-nil error of errs.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// onlyRetries reports whether nobody waits on the queue: then a failing
// store is given a pause instead of being retried in a tight loop.
func (w *Writer) onlyRetries() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return false
	}
	for _, e := range w.queue {
		if e.done != nil {
			return false
		}
	}
	select {
	case <-w.backoff:
		w.backoff = make(chan struct{})
	default:
	}
	return true
}

// wait pauses up to d, less if a waiter arrives or the writer closes.
func (w *Writer) wait(d time.Duration) {
	w.mu.Lock()
	ch := w.backoff
	w.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ch:
	}
}
