package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestWebHandler(t *testing.T) {
	apps := fstest.MapFS{
		"index.html":            {Data: []byte("<h1>start</h1>")},
		"agent/index.html":      {Data: []byte("<h1>agent</h1>")},
		"assets/app-abc123.js":  {Data: []byte("console.log(1)")},
		"assets/app-abc123.css": {Data: []byte("body{}")},
		"empty/.keep":           {Data: []byte("")},
	}
	h := newWebHandler(apps)
	for _, tc := range []struct {
		path, wantBody, wantCache string
		wantCode                  int
		wantLocation              string
	}{
		{path: "/", wantCode: 200, wantBody: "start", wantCache: "no-cache"},
		{path: "/agent/", wantCode: 200, wantBody: "agent", wantCache: "no-cache"},
		{path: "/agent", wantCode: 301, wantLocation: "/agent/"},
		{path: "/assets/app-abc123.js", wantCode: 200, wantBody: "console.log", wantCache: "public, max-age=31536000, immutable"},
		{path: "/assets/", wantCode: 404},
		{path: "/empty", wantCode: 404},
		{path: "/nope.js", wantCode: 404},
		{path: "/../../etc/passwd", wantCode: 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.wantCode {
				t.Fatalf("code %d, want %d", rec.Code, tc.wantCode)
			}
			if tc.wantBody != "" && !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.wantBody)
			}
			if tc.wantCache != "" && rec.Header().Get("Cache-Control") != tc.wantCache {
				t.Errorf("Cache-Control %q, want %q", rec.Header().Get("Cache-Control"), tc.wantCache)
			}
			if tc.wantLocation != "" && rec.Header().Get("Location") != tc.wantLocation {
				t.Errorf("Location %q, want %q", rec.Header().Get("Location"), tc.wantLocation)
			}
		})
	}

	t.Run("placeholder without built apps", func(t *testing.T) {
		for _, fsys := range []fstest.MapFS{nil, {"other.txt": {Data: []byte("x")}}} {
			h := newWebHandler(fsys)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "make run") {
				t.Fatalf("placeholder: %d %q", rec.Code, rec.Body.String())
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/agent/", nil))
			if rec.Code != 404 {
				t.Fatalf("placeholder /agent/: %d", rec.Code)
			}
		}
	})
}

// TestServerServesApps checks the real wiring: the start page (built or
// placeholder) comes with the security headers, and API routes still win.
func TestServerServesApps(t *testing.T) {
	ts := startServer(t, nil)
	resp, err := http.Get(ts.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/ = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if code, body := get(t, ts.base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz behind the catch-all: %d %q", code, body)
	}
}
