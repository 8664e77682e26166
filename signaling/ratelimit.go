package signaling

import (
	"sync"
	"time"

	"github.com/earshot/earshot/auth"
)

// verdict is a rate limiter's answer for one request.
type verdict int

const (
	verdictUnknown verdict = iota
	// verdictAllow: handle the request.
	verdictAllow
	// verdictLimit: answer rate_limited and drop the request.
	verdictLimit
	// verdictAbuse: the client keeps sending far above its rate; close it.
	verdictAbuse
)

// abuseFactor: a socket that goes this many bursts into debt (keeps sending
// while being told rate_limited) is closed. A client that backs off after
// rate_limited repays a small debt quickly and is never closed.
const abuseFactor = 3

// tokenBucket is a classic token bucket. With debt enabled, requests refused
// while empty still take a token, so the balance goes negative; a client that
// ignores rate_limited digs itself deeper until it crosses -debtLimit (abuse),
// while one that backs off recovers at the refill rate.
//
// It is safe for concurrent use: the per-user bucket is shared by sockets.
type tokenBucket struct {
	mu        sync.Mutex
	rate      float64 // tokens per second
	burst     float64
	debtLimit float64 // 0: no debt, refusals are free
	tokens    float64
	last      time.Time
}

func newTokenBucket(rate float64, burst int, debtLimit float64, now time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), debtLimit: debtLimit, tokens: float64(burst), last: now}
}

// take asks for one token at time now.
func (b *tokenBucket) take(now time.Time) verdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return verdictAllow
	}
	if b.debtLimit <= 0 {
		return verdictLimit
	}
	b.tokens--
	if b.tokens < -b.debtLimit {
		return verdictAbuse
	}
	return verdictLimit
}

// userKey identifies a user across tenants: subjects are unique per tenant.
type userKey struct {
	tenant auth.TenantID
	user   auth.UserID
}

func keyOf(id auth.Identity) userKey { return userKey{tenant: id.Tenant, user: id.Subject} }

// userLimiter is a user's shared bucket, counted by the sessions using it so
// that it is dropped with the user's last session.
type userLimiter struct {
	bucket *tokenBucket
	refs   int // guarded by Server.mu
}

// acquireUserBucketLocked returns the user's shared bucket, creating it on
// first use. Server.mu must be held.
func (s *Server) acquireUserBucketLocked(k userKey) *tokenBucket {
	ul := s.users[k]
	if ul == nil {
		ul = &userLimiter{bucket: newTokenBucket(s.cfg.UserRatePerSecond, s.cfg.UserRateBurst, 0, time.Now())}
		s.users[k] = ul
	}
	ul.refs++
	return ul.bucket
}

// releaseUserBucketLocked drops one reference. Server.mu must be held.
func (s *Server) releaseUserBucketLocked(k userKey) {
	ul := s.users[k]
	if ul == nil {
		return
	}
	if ul.refs--; ul.refs <= 0 {
		delete(s.users, k)
	}
}
