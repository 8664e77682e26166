package reporting

import (
	"encoding/json"
	"errors"
	"net/http"
)

// apiError is an error response: a stable code and a human message.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Errors of the API; codes are documented in docs/api.yaml.
var (
	errUnauthorized = &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "a valid bearer token is required"}
	errForbidden    = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only supervisors and admins may use this API"}
	errAdminOnly    = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only admins may verify the audit trail"}
	errNotFound     = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such resource"}
	errMethod       = &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use GET"}
	errInternal     = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
	errTooMuch      = &apiError{Status: http.StatusUnprocessableEntity, Code: "too_many_events", Message: "the time range holds too many events; narrow it"}

	// ErrNoStore is returned by NewHandler without a store.
	ErrNoStore = errors.New("reporting: a store is required")
	// ErrNoVerifier is returned by NewHandler without a token verifier.
	ErrNoVerifier = errors.New("reporting: a token verifier is required")
)

func badRequest(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: msg}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="earshot"`)
	}
	writeJSON(w, e.Status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
