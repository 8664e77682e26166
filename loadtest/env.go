package main

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/loadtest/leanrtc"
	"github.com/earshot/earshot/loadtest/oracle"
)

// tokenTTL outlives any run.
const tokenTTL = 12 * time.Hour

// placement says which queue and team each conversation uses. A started
// server gets one queue and team per conversation, so every customer meets
// exactly its own agent; on a running server all calls share one queue and
// shared serialises "agent Ready → customer queued → offered", because
// routing picks the longest-idle Ready agent of the team.
type placement struct {
	callQueue, chatQueue func(i int) (string, auth.TeamID)
	shared               *sync.Mutex // nil when every conversation has its own team
}

// ownQueues gives every call and chat its own queue and team.
func ownQueues() placement {
	return placement{
		callQueue: func(i int) (string, auth.TeamID) {
			return fmt.Sprintf("lt-q%d", i), auth.TeamID(fmt.Sprintf("lt-t%d", i))
		},
		chatQueue: func(i int) (string, auth.TeamID) {
			return fmt.Sprintf("lt-hq%d", i), auth.TeamID(fmt.Sprintf("lt-ht%d", i))
		},
	}
}

// sharedQueues puts every call on one queue and every chat on another.
func sharedQueues(o Options) placement {
	return placement{
		callQueue: func(int) (string, auth.TeamID) { return o.Queue, auth.TeamID(o.Team) },
		chatQueue: func(int) (string, auth.TeamID) { return o.ChatQueue, auth.TeamID(o.ChatTeam) },
		shared:    &sync.Mutex{},
	}
}

// queuesYAML is the configuration a started server gets for ownQueues.
func queuesYAML(calls, chats int) string {
	var b strings.Builder
	b.WriteString("queues:\n")
	p := ownQueues()
	for i := range calls {
		q, t := p.callQueue(i)
		fmt.Fprintf(&b, "  - {name: %s, team: %s}\n", q, t)
	}
	for i := range chats {
		q, t := p.chatQueue(i)
		fmt.Fprintf(&b, "  - {name: %s, team: %s}\n", q, t)
	}
	return b.String()
}

// counters are the run's live tallies besides the oracle's.
type counters struct {
	callsJoined, chatsJoined atomic.Int64
	failedJoins              atomic.Int64
	switches, switchErrors   atomic.Int64
	holds, holdErrors        atomic.Int64
	pcis, pciErrors          atomic.Int64
	chatRefused              atomic.Int64
}

// env is what every conversation of one run shares.
type env struct {
	opts  Options
	wsURL string
	// wsURLs are a cluster's nodes (cluster.go); nil for one server.
	wsURLs []string
	minter *auth.HMAC
	tenant auth.TenantID
	place  placement
	hub    *leanrtc.Hub
	pacer  *leanrtc.Pacer
	oracle *oracle.Oracle
	count  counters
	// stop is closed when the measured window ends: controllers finish
	// their current request and return.
	stop chan struct{}
	// failover tallies a node kill's effects (cluster runs, failover.go).
	failover failoverStats
	// errs collects errors of background work for the report.
	errMu sync.Mutex
	errs  []string
}

// reportError keeps a background error for the report (the first few).
func (e *env) reportError(err error) {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	if len(e.errs) < 10 {
		e.errs = append(e.errs, err.Error())
	}
}

// token mints a token for one simulated user.
func (e *env) token(user string, role auth.Role, team auth.TeamID) (string, error) {
	id := auth.Identity{Subject: auth.UserID(user), Name: user, Tenant: e.tenant, Roles: []auth.Role{role}}
	if team != "" {
		id.Teams = []auth.TeamID{team}
	}
	return e.minter.Mint(auth.MintParams{Identity: id, TTL: tokenTTL})
}

// newMinter reads the data directory's secret.
func newMinter(dataDir, issuer, audience string) (*auth.HMAC, error) {
	secret, err := auth.LoadOrCreateSecret(dataDir)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: issuer, Audience: audience})
}
