package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// member keeps this node's record in the node directory: written at start,
// rewritten (with the current load) on every heartbeat and at every state
// change, deleted at a clean stop. A node that dies simply stops writing,
// and the record expires.
type member struct {
	kv       jetstream.KeyValue
	load     func() Load
	interval time.Duration
	log      *slog.Logger

	// writeMu serializes writes, so a heartbeat carrying the old state can
	// never land after the write of a new one. It is held across the KV
	// round trip; mu (never held across I/O) guards rec.
	writeMu sync.Mutex
	mu      sync.Mutex
	rec     NodeRecord

	stop chan struct{}
	done chan struct{}
}

type memberParams struct {
	kv  jetstream.KeyValue
	rec NodeRecord // ID, URLs, StartedAt, State
	// load reads the node's load at each heartbeat. It must be cheap.
	load     func() Load
	interval time.Duration
	log      *slog.Logger
}

// startMember writes the node's record and starts heartbeating. An error
// means the record could not be written: the node is not in the cluster.
func startMember(ctx context.Context, p memberParams) (*member, error) {
	m := &member{kv: p.kv, load: p.load, interval: p.interval, log: p.log, rec: p.rec, stop: make(chan struct{}), done: make(chan struct{})}
	if err := m.write(ctx); err != nil {
		return nil, err
	}
	go m.run()
	return m, nil
}

func (m *member) run() {
	defer close(m.done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.interval)
		err := m.write(ctx)
		cancel()
		switch {
		case err != nil && !failing:
			failing = true
			m.log.Warn("cluster heartbeat failed; other nodes will drop this node if it lasts", "err", err)
		case err == nil && failing:
			failing = false
			m.log.Info("cluster heartbeat back")
		}
	}
}

// write puts the record with the current load.
func (m *member) write(ctx context.Context) error {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	_, err := m.writeLocked(ctx, nil)
	return err
}

// writeLocked applies change (if any) to the record, stamps it and puts it.
// Lock m.writeMu must be held.
func (m *member) writeLocked(ctx context.Context, change func(*NodeRecord)) (NodeRecord, error) {
	load := m.load()
	m.mu.Lock()
	if change != nil {
		change(&m.rec)
	}
	m.rec.Load, m.rec.UpdatedAt = load, time.Now().UTC()
	rec := m.rec
	m.mu.Unlock()
	b, err := json.Marshal(rec)
	if err != nil {
		return rec, fmt.Errorf("node record: %w", err)
	}
	if _, err := m.kv.Put(ctx, string(rec.ID), b); err != nil {
		return rec, fmt.Errorf("write node record %s: %w", rec.ID, err)
	}
	return rec, nil
}

// setState changes the node's state and writes it at once. If the write
// fails the state holds anyway: the next heartbeat carries it.
func (m *member) setState(ctx context.Context, s NodeState) (NodeRecord, error) {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	return m.writeLocked(ctx, func(r *NodeRecord) { r.State = s })
}

// record returns the record as last written.
func (m *member) record() NodeRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rec
}

// leave stops heartbeating and deletes the record: other nodes see the node
// leave at once instead of after the TTL.
func (m *member) leave(ctx context.Context) error {
	close(m.stop)
	<-m.done
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	id := m.record().ID
	if err := m.kv.Delete(ctx, string(id)); err != nil {
		return fmt.Errorf("delete node record %s: %w", id, err)
	}
	return nil
}
