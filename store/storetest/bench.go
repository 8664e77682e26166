package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/store"
)

// BenchAuditLatency measures what a supervisor's mode switch waits for: one
// audit event committed through a Writer (group commit), from the call to
// its return, with the given number of callers committing at once. It
// reports p50 and p99 in microseconds.
func BenchAuditLatency(b *testing.B, h Harness, callers int) {
	w := store.NewWriter(store.WriterParams{Store: h.Store})
	defer func() { _ = w.Close() }()
	lat := make([]time.Duration, 0, b.N)
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int, b.N)
	for i := 0; i < b.N; i++ {
		next <- i
	}
	close(next)
	b.ResetTimer()
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := range next {
				e := store.AuditEvent{
					Tenant: authTenant(fmt.Sprintf("t%d", c%4)), Actor: authUser(fmt.Sprintf("sup%d", c)), ActorName: "Sup", Role: "supervisor",
					ConversationID: fmt.Sprintf("conv-%d", c), Agent: "alex", Action: "monitor.whisper", Details: `{"from":"listen"}`,
				}
				start := time.Now()
				if err := w.Commit(context.Background(), store.Batch{Audit: []store.AuditEvent{e}}); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				_ = i
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(0, "ns/op")
}
