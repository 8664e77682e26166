package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressEvery is how often the live line refreshes.
const progressEvery = time.Second

// progress prints the live line: on a terminal it rewrites one line, in a
// log it prints a line every few seconds.
type progress struct {
	w     io.Writer
	e     *env
	m     meter
	tty   bool
	start time.Time

	mu    sync.Mutex
	phase string

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newProgress(w io.Writer, e *env, m meter, quiet bool) *progress {
	p := &progress{w: w, e: e, m: m, start: time.Now(), phase: "start", stop: make(chan struct{}), done: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	if quiet {
		close(p.done)
		p.once.Do(func() {})
		return p
	}
	go p.loop()
	return p
}

func (p *progress) setPhase(s string) {
	p.mu.Lock()
	p.phase = s
	p.mu.Unlock()
}

// finish stops the line (idempotent).
func (p *progress) finish() {
	p.once.Do(func() { close(p.stop) })
	<-p.done
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	var lastSent, lastRecv uint64
	lastSrv := p.m.sample(context.Background())
	lastSelf := selfSample()
	lastAt := time.Now()
	n := 0
	for {
		select {
		case <-p.stop:
			if p.tty {
				fmt.Fprintln(p.w)
			}
			return
		case <-t.C:
		}
		n++
		live := p.e.oracle.Live()
		srv := p.m.sample(context.Background())
		self := selfSample()
		now := time.Now()
		dt := now.Sub(lastAt).Seconds()
		p.mu.Lock()
		phase := p.phase
		p.mu.Unlock()
		line := fmt.Sprintf("%5.0fs %-8s calls %d chats %d failed %d | tx %5.0f rx %5.0f pkt/s | leaks %d whisper %d pci %d grace %d | server cpu %5.1f%% rss %4.0f MB | loadtest cpu %5.1f%%",
			now.Sub(p.start).Seconds(), phase,
			p.e.count.callsJoined.Load(), p.e.count.chatsJoined.Load(), p.e.count.failedJoins.Load(),
			float64(live.Sent-lastSent)/dt, float64(live.Received-lastRecv)/dt,
			live.Leaks, live.WhisperLeaks, live.PCILeaks, live.Grace,
			100*(srv.CPU-lastSrv.CPU).Seconds()/dt, float64(srv.RSS)/1e6,
			100*(self.CPU-lastSelf.CPU).Seconds()/dt)
		lastSent, lastRecv, lastSrv, lastSelf, lastAt = live.Sent, live.Received, srv, self, now
		if p.tty {
			fmt.Fprintf(p.w, "\r%s", line)
		} else if n%5 == 0 {
			fmt.Fprintln(p.w, line)
		}
	}
}
