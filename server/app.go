package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/internal/hostcheck"
	"github.com/earshot/earshot/internal/iceservers"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/signaling"
)

// app is the wired server: verifier → signaling → domain → media.
type app struct {
	cfg     Config
	log     *slog.Logger
	hosts   *hostcheck.List // the Host allow-list (hostguard.go)
	hmac    *auth.HMAC      // nil in OIDC mode
	sfu     *media.SFU
	center  *callcenter.Center
	sig     *signaling.Server
	metrics *metrics
	storage *storage
	node    *cluster.Node // nil on a single node (clusternode.go)
	ready   atomic.Bool
	// draining: SIGTERM or an admin asked this node to take no new work
	// (readiness goes false, the cluster directory shows it).
	draining atomic.Bool
	httpSrv  *http.Server
}

func newApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log}
	var err error
	if a.hosts, err = allowedHosts(cfg); err != nil {
		return nil, err
	}
	verifier, err := a.newVerifier(ctx)
	if err != nil {
		return nil, err
	}
	mediaCfg := cfg.Media
	// Without call health nobody reads the levels: the forwarding path
	// skips counting them.
	mediaCfg.NoLevels = mediaCfg.NoLevels || !cfg.Policy.Health.Enabled
	a.sfu, err = media.New(media.Params{Config: mediaCfg, Logger: log.With("component", "media")})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if a.storage, err = newStorage(ctx, cfg, log.With("component", "store")); err != nil {
		_ = a.sfu.Close()
		return nil, err
	}
	var mirror callcenter.Mirror    // the cluster's conversation directory, if clustered
	var plane callcenter.MediaPlane // the cluster's media placement, if clustered
	if cfg.Cluster.Enabled() {
		if a.node, err = a.connectCluster(ctx); err != nil {
			a.storage.close()
			_ = a.sfu.Close()
			return nil, err
		}
		mirror, plane = a.node.Conversations(), a.node.Media()
	}
	mutes, err := a.storage.store.HelpMutes(ctx)
	if err != nil {
		a.closeCluster(context.Background())
		a.storage.close()
		_ = a.sfu.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	a.center, err = callcenter.New(callcenter.Params{Policy: cfg.Policy, Queues: cfg.Queues, SFU: a.sfu, Media: plane, Auditor: a.storage.writer, Mirror: mirror,
		HelpMutes: mutes, RecordingDir: cfg.recordingRoot(), Logger: log.With("component", "callcenter")})
	if err != nil {
		a.closeCluster(context.Background())
		a.storage.close()
		_ = a.sfu.Close()
		return nil, err
	}
	var observe func(time.Duration)
	disp := signaling.NewDispatcher(signaling.DispatcherParams{
		Center: a.center, Logger: log.With("component", "signaling"),
		ObserveModeSwitch: func(d time.Duration) { observe(d) },
	})
	a.sig = signaling.NewServer(signaling.ServerParams{Config: cfg.Signaling, Verifier: verifier, Handler: disp, Logger: log.With("component", "signaling"), Hosts: a.hosts,
		MediaSlots: a.sfu.Config().Slots,
		ICEServers: func(id auth.Identity) []iceservers.Server {
			return iceservers.For(cfg.ICEServers, string(id.Tenant)+"/"+string(id.Subject), time.Now())
		},
		Route:    a.routeSocket, // nil-safe: serves every socket here on a single node
		Sessions: a.sessionObserver(),
	})
	if a.node != nil {
		a.node.SetTakeover(a.takeOver)
	}
	a.metrics = newMetrics(a.center, a.sfu, a.sig)
	observe = a.metrics.observeModeSwitch
	a.metrics.reg.MustRegister(a.storage.collectors()...)

	mux := http.NewServeMux()
	mux.Handle("GET /ws", a.sig)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		if a.draining.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/v1/", a.reportingAPI(verifier)) // audit search, export, summary, history (reporting/)
	a.routeClusterAPI(mux, verifier)                     // node list and drain (clusterapi.go)
	a.routeDevLogin(mux)
	a.routeWeb(mux) // GET /: the browser apps, the least specific route
	if slices.Contains(cfg.HTTP.AllowedHosts, "*") {
		log.Warn(`http.allowed_hosts contains "*": the Host check is off and DNS rebinding can reach this server; use it for development only`)
	}
	a.httpSrv = &http.Server{Handler: securityHeaders(hostGuard(a.hosts, log, mux)), ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout}
	return a, nil
}

func (a *app) newVerifier(ctx context.Context) (auth.Verifier, error) {
	if a.cfg.Auth.Mode == "oidc" {
		o := a.cfg.Auth.OIDC
		v, err := auth.NewOIDC(ctx, auth.OIDCParams{
			IssuerURL: o.IssuerURL, Audience: o.Audience, RolesClaim: o.RolesClaim, TeamsClaim: o.TeamsClaim,
			TenantClaim: o.TenantClaim, NameClaim: o.NameClaim, TeamPrefix: o.TeamPrefix,
		})
		if err != nil {
			return nil, fmt.Errorf("oidc: %w", err)
		}
		return v, nil
	}
	secret, err := auth.LoadOrCreateSecret(a.cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("dev secret: %w", err)
	}
	a.hmac, err = auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: a.cfg.Auth.Issuer, Audience: a.cfg.Auth.Audience, Leeway: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	return a.hmac, nil
}

// listen binds the HTTP address; serve then runs until ctx ends.
func (a *app) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.cfg.HTTP.Addr)
	if err != nil {
		a.shutdownParts(context.Background())
		return nil, fmt.Errorf("listen %s: %w", a.cfg.HTTP.Addr, err)
	}
	return ln, nil
}

// serve listens until ctx ends, then drains: readiness goes false, sockets
// are closed with reason "shutdown", conversations end, media stops.
func (a *app) serve(ctx context.Context, stdout io.Writer) error {
	ln, err := a.listen()
	if err != nil {
		return err
	}
	a.announce(stdout, ln.Addr().String())
	return a.serveOn(ctx, ln)
}

func (a *app) serveOn(ctx context.Context, ln net.Listener) error {
	defer a.startPprof()()
	errc := make(chan error, 1)
	go func() { errc <- a.httpSrv.Serve(ln) }()
	a.ready.Store(true)
	// Listed only once ready: another node may send clients here as soon
	// as it sees the record.
	if err := a.startCluster(ln.Addr()); err != nil {
		a.ready.Store(false)
		_ = a.httpSrv.Close()
		<-errc
		a.shutdownParts(context.Background())
		return err
	}

	var err error
	select {
	case err = <-errc:
		a.shutdownParts(context.Background())
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	a.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	a.drain(sctx) // the cluster places nothing new here from now on
	a.finishLiveWork(sctx)
	a.shutdownParts(sctx)
	if err := a.httpSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	<-errc
	a.log.Info("stopped")
	return nil
}

func (a *app) shutdownParts(ctx context.Context) {
	if err := a.sig.Shutdown(ctx); err != nil {
		a.log.Warn("signaling shutdown", "err", err)
	}
	a.center.Close()
	a.closeCluster(ctx) // after the domain: deletes the records of what it ended
	a.storage.close()   // after the domain: commits what it queued while closing
	if err := a.sfu.Close(); err != nil {
		a.log.Warn("media shutdown", "err", err)
	}
}

func (a *app) announce(w io.Writer, addr string) {
	tcp := "off"
	if t := a.sfu.TCPAddr(); t != nil {
		tcp = t.String()
	}
	fmt.Fprintf(w, "Earshot is running: http://%s  (signaling ws://%s/ws, media UDP %s, ICE-TCP %s)\n", addr, addr, a.sfu.UDPAddr(), tcp)
	fmt.Fprintf(w, "Health http://%s/healthz  Metrics http://%s/metrics\n", addr, addr)
	if a.hmac != nil && a.cfg.Auth.Demo {
		if err := printDemoLogins(w, a.hmac, 12*time.Hour); err != nil {
			a.log.Error("demo logins", "err", err)
		}
	}
}

// contentSecurityPolicy is what the browser apps may load: their own
// scripts, styles and assets only (no inline script, no eval, no plugins),
// the signaling WebSocket and the reporting API of this server, and remote
// audio from MediaStreams or blobs. Chat text and display names are data
// that the apps render as text; this policy makes a rendering mistake
// inert instead of an account takeover.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self' %s; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets headers every response should carry.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", fmt.Sprintf(contentSecurityPolicy, webSocketSources(r.Host)))
		next.ServeHTTP(w, r)
	})
}

// webSocketSources allows WebSockets to the host the page was served from:
// 'self' covers ws: and wss: only in recent browsers. A Host header that is
// not a plain host[:port] (net/http already refuses most) allows none.
func webSocketSources(host string) string {
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return ""
		}
	}
	if host == "" {
		return ""
	}
	return "ws://" + host + " wss://" + host
}
