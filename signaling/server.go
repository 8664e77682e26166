package signaling

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/internal/hostcheck"
	"github.com/earshot/earshot/internal/iceservers"
	"github.com/gorilla/websocket"
)

// Handler is the domain side of the transport (implemented in
// handlers_*.go). All methods may be called concurrently for different
// sessions; for one session, requests are handled one at a time in arrival
// order, also across a resume onto a new socket.
type Handler interface {
	// Opened is called after a successful auth of a NEW session, before the
	// client gets its auth response; events pushed here reach the client
	// right after that response. An error refuses the session: the client
	// gets the error (mapped by AsError) and the socket closes with Refused;
	// Closed is then not called.
	Opened(s *Session) error
	// Handle serves one request. The result is marshalled as the response
	// data (nil gives {}); an error is mapped with AsError. ctx is the
	// session's context. Panics are recovered and answered with "internal".
	Handle(ctx context.Context, s *Session, typ string, data json.RawMessage) (any, error)
	// Refreshed is called when a refreshed token (auth.refresh, or the token
	// of a resume whose claims changed) was verified for the same subject and
	// tenant, before the session adopts it. An error means the new identity
	// does not allow the session: the client gets the error and the session
	// ends at once with Revoked.
	Refreshed(s *Session, old, new auth.Identity) error
	// Closed is called exactly once when a session that was Opened ends for
	// good (session.close, grace expiry, token expiry, resume gap, revocation,
	// Session.Close, shutdown). It runs on its own goroutine, never inside a
	// call of the domain into the session, so it may take the domain's locks.
	Closed(s *Session, reason CloseReason)
}

// ServerParams are the dependencies of a Server.
type ServerParams struct {
	// Config is completed with DefaultConfig for zero fields.
	Config Config
	// Verifier checks bearer tokens (auth and auth.refresh).
	Verifier auth.Verifier
	// Handler is the domain.
	Handler Handler
	// Logger receives transport logs; nil discards them. Tokens are never
	// logged.
	Logger *slog.Logger
	// Hosts are the hosts the server may be addressed by (the HTTP server's
	// Host allow-list). When Config.AllowedOrigins is empty, a browser
	// Origin must name one of them. Nil allows the loopback names only.
	Hosts HostPolicy
	// ICEServers, if set, gives the STUN/TURN servers a user's browser is
	// told to use (with TURN credentials minted for that user); sent in the
	// auth, resume and refresh responses.
	ICEServers func(id auth.Identity) []iceservers.Server
	// Route, if set, names the node that serves a user (in a cluster: the
	// node running the user's tenant): "" serves the socket here, a
	// ws:// URL bridges it there (bridge.go). It is asked once per socket,
	// after the first frame's token was verified. An error closes the
	// socket with node_unavailable.
	Route func(ctx context.Context, id auth.Identity) (string, error)
	// MediaSlots is the media plane's receive slots per leg, announced in
	// the auth and resume responses so clients build offers of that shape
	// without being configured alike (0: not announced).
	MediaSlots int
	// Sessions, if set, is told of every session's birth, resume-token
	// rotation and end (a cluster keeps records of them, adopt.go).
	Sessions SessionObserver
}

// HostPolicy decides whether a host[:port] (here: the host of an Origin)
// names this server for request r. *hostcheck.List implements it.
type HostPolicy interface {
	AllowsRequest(r *http.Request, hostport string) bool
}

var _ HostPolicy = (*hostcheck.List)(nil)

// Server upgrades HTTP requests to signaling sockets and owns all sessions.
// It implements http.Handler; mount it on the signaling path.
type Server struct {
	ice        func(auth.Identity) []iceservers.Server
	route      func(context.Context, auth.Identity) (string, error)
	observer   SessionObserver
	mediaSlots int
	cfg        Config
	verifier   auth.Verifier
	handler    Handler
	log        *slog.Logger
	hosts      HostPolicy
	upgrader   websocket.Upgrader

	// ctx is the parent of every session context; cancelled by Shutdown.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts read loops, write loops and Closed notifications.
	wg sync.WaitGroup
	// kill is closed when Shutdown stops waiting for polite close handshakes.
	kill     chan struct{}
	killOnce sync.Once
	stopOnce sync.Once

	// mu guards the fields below. Lock order: Session.mu before Server.mu;
	// never take a Session.mu while holding Server.mu.
	mu           sync.Mutex
	shuttingDown bool
	conns        map[*conn]struct{}
	sessions     map[string]*Session
	byResume     map[string]*Session // keyed by resumeKey(token)
	users        map[userKey]*userLimiter
}

var _ http.Handler = (*Server)(nil)

// NewServer builds a Server. Verifier and Handler are required.
func NewServer(p ServerParams) *Server {
	log := p.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hosts := p.Hosts
	if hosts == nil {
		loopback, _ := hostcheck.New() // no entries: cannot fail
		hosts = loopback.WithLoopback()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:        p.Config.withDefaults(),
		verifier:   p.Verifier,
		handler:    p.Handler,
		log:        log, // the caller names the component
		hosts:      hosts,
		ice:        p.ICEServers,
		route:      p.Route,
		observer:   p.Sessions,
		mediaSlots: p.MediaSlots,
		ctx:        ctx,
		cancel:     cancel,
		kill:       make(chan struct{}),
		conns:      make(map[*conn]struct{}),
		sessions:   make(map[string]*Session),
		byResume:   make(map[string]*Session),
		users:      make(map[userKey]*userLimiter),
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  4 << 10,
		WriteBufferSize: 4 << 10,
		CheckOrigin:     s.checkOrigin,
	}
	return s
}

// Config returns the effective configuration (defaults applied).
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP upgrades the request to a WebSocket and serves it until it closes.
// No token is accepted in the URL: the first frame authenticates.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.shuttingDown
	s.mu.Unlock()
	if down {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader already answered with an HTTP error.
		s.log.Debug("upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := newConn(s, ws, r.RemoteAddr)
	c.bridged = r.Header.Get(BridgeHeader) != ""
	s.mu.Lock()
	if s.shuttingDown {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	go c.readLoop()
	go c.writeLoop()
}

// checkOrigin implements the Origin check (see Config.AllowedOrigins): the
// configured origins, or else an http(s) origin whose host is one of the
// server's allowed hosts. It never compares the Origin with the request's
// own Host: under DNS rebinding both name the attacker's domain.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if s.originAllowed(r, origin) {
		return true
	}
	s.log.Info("origin refused", "origin", origin, "remote", r.RemoteAddr)
	return false
}

func (s *Server) originAllowed(r *http.Request, origin string) bool {
	if len(s.cfg.AllowedOrigins) == 0 {
		u, err := url.Parse(origin)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
			u.Path == "" && u.User == nil && s.hosts.AllowsRequest(r, u.Host)
	}
	for _, allowed := range s.cfg.AllowedOrigins {
		if allowed == "*" || strings.EqualFold(strings.TrimSuffix(allowed, "/"), origin) {
			return true
		}
	}
	return false
}

// register adds a new session and gives it its user's shared rate bucket,
// unless the server is shutting down.
func (s *Server) register(sess *Session, key string) bool {
	s.mu.Lock()
	if s.shuttingDown {
		s.mu.Unlock()
		return false
	}
	sess.bucket = s.acquireUserBucketLocked(sess.userKey)
	s.sessions[sess.id] = sess
	s.byResume[key] = sess
	s.mu.Unlock()
	s.observeSaved(sess, key, "")
	return true
}

// lookupResume finds the session a resume token belongs to.
func (s *Server) lookupResume(key string) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byResume[key]
}

// rekeyResume replaces a session's resume key after rotation.
func (s *Server) rekeyResume(sess *Session, oldKey, newKey string) {
	s.mu.Lock()
	if s.byResume[oldKey] == sess {
		delete(s.byResume, oldKey)
	}
	if k := sess.altKey; k != "" {
		if s.byResume[k] == sess {
			delete(s.byResume, k)
		}
		sess.altKey = ""
	}
	_, live := s.sessions[sess.id]
	if live {
		s.byResume[newKey] = sess
	}
	s.mu.Unlock()
	if live {
		s.observeSaved(sess, newKey, oldKey)
	}
}

// forget removes an ended session and releases its user bucket.
func (s *Server) forget(sess *Session, key string) {
	s.mu.Lock()
	if s.sessions[sess.id] != sess {
		s.mu.Unlock()
		return
	}
	delete(s.sessions, sess.id)
	if s.byResume[key] == sess {
		delete(s.byResume, key)
	}
	if k := sess.altKey; k != "" && s.byResume[k] == sess {
		delete(s.byResume, k) // an adopted session's previous key (adopt.go)
	}
	s.releaseUserBucketLocked(sess.userKey)
	s.mu.Unlock()
	if s.observer != nil {
		s.observer.SessionEnded(sess.id, sess.Identity().Tenant)
	}
}

// dropConn removes a closed socket.
func (s *Server) dropConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// Sessions returns the number of live sessions (attached or in grace).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown refuses new sockets, ends every session with Shutdown (each
// client gets session.closed and a close frame, and Handler.Closed is
// called), closes sockets that never authenticated, and waits until every
// goroutine of the server has returned. If ctx ends first, the remaining
// sockets are closed hard and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.shuttingDown = true
		sessions := make([]*Session, 0, len(s.sessions))
		for _, sess := range s.sessions {
			sessions = append(sessions, sess)
		}
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()

		s.cancel()
		for _, sess := range sessions {
			sess.finish(CloseReasonShutdown, nil)
		}
		// Sockets still open belong to no session: not yet authenticated,
		// or detached and already closing.
		for _, c := range conns {
			c.close(CloseReasonShutdown, encodeError("", newError(CodeShuttingDown)))
		}
	})

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.killOnce.Do(func() { close(s.kill) })
		s.mu.Lock()
		for c := range s.conns {
			_ = c.ws.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// iceServersFor returns the ICE servers for id, nil when none are configured.
func (s *Server) iceServersFor(id auth.Identity) []iceservers.Server {
	if s.ice == nil {
		return nil
	}
	return s.ice(id)
}
