package store

import (
	"context"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
)

type purgeStore struct {
	Store
	calls chan PurgeParams
}

func (p *purgeStore) Purge(_ context.Context, pp PurgeParams) (PurgeResult, error) {
	p.calls <- pp
	return PurgeResult{Tenants: map[auth.TenantID]PurgeCounts{}}, nil
}

func TestRunRetention(t *testing.T) {
	now := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	t.Run("disabled", func(t *testing.T) {
		s := &purgeStore{calls: make(chan PurgeParams, 1)}
		RunRetention(context.Background(), RetentionParams{Store: s}) // returns at once
		if len(s.calls) != 0 {
			t.Fatal("retention ran with no max age")
		}
	})
	t.Run("runs at start and on its interval until stopped", func(t *testing.T) {
		s := &purgeStore{calls: make(chan PurgeParams, 4)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			RunRetention(ctx, RetentionParams{Store: s, MaxAge: 48 * time.Hour, Interval: time.Millisecond, Logger: quiet, Now: func() time.Time { return now }})
			close(done)
		}()
		for i := 0; i < 2; i++ {
			select {
			case p := <-s.calls:
				if !p.Before.Equal(now.Add(-48*time.Hour)) || p.MaxAge != 48*time.Hour || !p.Now.Equal(now) {
					t.Fatalf("purge %+v", p)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("retention did not run")
			}
		}
		cancel()
		for {
			select {
			case <-s.calls:
				continue
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("retention did not stop")
			}
			break
		}
	})
}
