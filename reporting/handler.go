package reporting

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

// Params configures the API.
type Params struct {
	Store    store.Store
	Verifier auth.Verifier
	Logger   *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// RecordingDir is the recordings' root; "" serves no recordings.
	RecordingDir string
	// Auditor commits the audit event of every access to a recording
	// before it is served; without one, recordings are refused.
	Auditor Auditor
}

// api serves the routes below /api/v1/.
type api struct {
	p   Params
	log *slog.Logger
	mux *http.ServeMux
}

// handlerFunc is a route: it gets the verified caller and returns an error
// to answer with, or nil once it has written its response.
type handlerFunc func(w http.ResponseWriter, r *http.Request, caller auth.Identity) *apiError

// NewHandler returns the API handler; mount it at /api/v1/.
func NewHandler(p Params) (http.Handler, error) {
	if p.Store == nil {
		return nil, ErrNoStore
	}
	if p.Verifier == nil {
		return nil, ErrNoVerifier
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	a := &api{p: p, log: p.Logger, mux: http.NewServeMux()}
	a.route("/api/v1/audit/events", a.events)
	a.route("/api/v1/audit/events.csv", a.eventsCSV)
	a.route("/api/v1/audit/summary", a.summary)
	a.route("/api/v1/audit/verify", a.verify)
	a.route("/api/v1/help-requests", a.helpRequests)
	a.route("/api/v1/conversations", a.conversations)
	a.route("/api/v1/conversations/{id}", a.conversation)
	a.route("/api/v1/recordings", a.recordings)
	a.route("/api/v1/recordings/{id}", a.recording)
	a.route("/api/v1/recordings/{id}/files/{name}", a.recordingFile)
	a.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { writeError(w, errNotFound) })
	return a.mux, nil
}

// route registers h behind authentication; only GET is served.
func (a *api) route(pattern string, h handlerFunc) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			writeError(w, errMethod)
			return
		}
		caller, e := a.authenticate(r)
		if e != nil {
			writeError(w, e)
			return
		}
		if e := h(w, r, caller); e != nil {
			writeError(w, e)
		}
	})
}

// authenticate verifies the bearer token and the caller's role. The token
// travels only in the Authorization header, never in the URL (URLs end up in
// logs).
func (a *api) authenticate(r *http.Request) (auth.Identity, *apiError) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return auth.Identity{}, errUnauthorized
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id, err := a.p.Verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return auth.Identity{}, errUnauthorized
	}
	if id.Tenant == "" || !(id.HasRole(auth.RoleSupervisor) || id.HasRole(auth.RoleAdmin)) {
		return auth.Identity{}, errForbidden
	}
	return id, nil
}

// internal logs err and hides it from the client.
func (a *api) internal(r *http.Request, err error) *apiError {
	if errors.Is(err, context.Canceled) {
		return errInternal
	}
	a.log.Error("reporting request failed", "path", r.URL.Path, "err", err)
	return errInternal
}
