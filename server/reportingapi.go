package main

import (
	"net/http"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/reporting"
)

// reportingAPI is the audit and history API (reporting/, docs/api.yaml),
// served under /api/v1/ to supervisors and admins with bearer tokens.
func (a *app) reportingAPI(verifier auth.Verifier) http.Handler {
	h, err := reporting.NewHandler(reporting.Params{Store: a.storage.store, Verifier: verifier, Logger: a.log.With("component", "reporting"),
		RecordingDir: a.cfg.recordingRoot(), Auditor: a.storage.writer})
	if err != nil { // cannot happen: both are always set here
		a.log.Error("reporting API disabled", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "reporting unavailable", http.StatusServiceUnavailable)
		})
	}
	return h
}
