package signaling

import (
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	t.Run("burst then rate", func(t *testing.T) {
		b := newTokenBucket(2, 3, 0, t0)
		for i := range 3 {
			if v := b.take(t0); v != verdictAllow {
				t.Fatalf("take %d: %v", i, v)
			}
		}
		if v := b.take(t0); v != verdictLimit {
			t.Fatalf("over burst: %v", v)
		}
		// No debt: refusals are free, half a second gives one token.
		if v := b.take(t0.Add(500 * time.Millisecond)); v != verdictAllow {
			t.Fatalf("after refill: %v", v)
		}
		if v := b.take(t0.Add(500 * time.Millisecond)); v != verdictLimit {
			t.Fatalf("refill is not more than the rate: %v", v)
		}
		// Refill never exceeds the burst.
		later := t0.Add(time.Hour)
		for i := range 3 {
			if v := b.take(later); v != verdictAllow {
				t.Fatalf("take %d after idle: %v", i, v)
			}
		}
		if v := b.take(later); v != verdictLimit {
			t.Fatalf("burst exceeded after idle: %v", v)
		}
	})
	t.Run("debt and abuse", func(t *testing.T) {
		b := newTokenBucket(1, 2, 6, t0)
		got := ""
		for range 10 {
			switch b.take(t0) {
			case verdictAllow:
				got += "a"
			case verdictLimit:
				got += "l"
			case verdictAbuse:
				got += "X"
			}
		}
		if got != "aallllllXX" {
			t.Fatalf("verdicts %s", got)
		}
	})
	t.Run("backing off repays debt", func(t *testing.T) {
		b := newTokenBucket(1, 2, 6, t0)
		for range 5 { // 2 allowed, 3 in debt
			b.take(t0)
		}
		if v := b.take(t0.Add(3 * time.Second)); v != verdictLimit {
			t.Fatalf("debt not yet repaid: %v", v)
		}
		if v := b.take(t0.Add(6 * time.Second)); v != verdictAllow {
			t.Fatalf("after backing off: %v", v)
		}
	})
	t.Run("clock going backwards", func(t *testing.T) {
		b := newTokenBucket(1, 1, 0, t0)
		b.take(t0)
		if v := b.take(t0.Add(-time.Hour)); v != verdictLimit {
			t.Fatalf("backwards clock refilled: %v", v)
		}
	})
}
