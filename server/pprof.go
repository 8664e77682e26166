package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofShutdown bounds closing the profiling listener.
const pprofShutdown = 5 * time.Second

// newPprofMux serves net/http/pprof on a mux of its own: the profiles never
// appear on the public listener, whatever -pprof says.
func newPprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// startPprof serves the profiler on cfg.HTTP.PprofAddr, if set, on its own
// listener, for profiling under load (the load tester fetches CPU profiles
// from it). Profiles reveal internals and cost CPU while taken, so it is
// off by default and belongs on loopback. The returned function stops it.
func (a *app) startPprof() (stop func()) {
	addr := a.cfg.HTTP.PprofAddr
	if addr == "" {
		return func() {}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		a.log.Error("pprof listener", "addr", addr, "err", err)
		return func() {}
	}
	// No WriteTimeout: a CPU profile streams for ?seconds=N.
	// The Host check too: a rebinding page must not read profiles (the
	// command line may hold a DSN).
	srv := &http.Server{Handler: hostGuard(a.hosts, a.log, newPprofMux()), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("pprof listener", "err", err)
		}
	}()
	a.log.Warn("pprof enabled", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), pprofShutdown)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
}
