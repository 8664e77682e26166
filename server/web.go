package main

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// webFiles holds the browser apps. Vite writes them to web/dist (ignored by
// git); web/placeholder.html is committed so that the embed compiles, and
// `go build`, `go vet` and `go test` work, in a fresh clone before any npm
// step. A binary built that way serves the placeholder; `make run` and
// `make build` build the apps first.
//
//go:embed all:web
var webFiles embed.FS

// webDistDir is where Vite's output sits inside webFiles.
const webDistDir = "web/dist"

// newWebHandler serves the built apps from fsys (the contents of web/dist),
// or the placeholder page when fsys holds no index.html.
func newWebHandler(fsys fs.FS) http.Handler {
	if fsys == nil {
		return placeholderHandler()
	}
	if _, err := fs.Stat(fsys, "index.html"); err != nil {
		return placeholderHandler()
	}
	return &staticApps{fsys: fsys}
}

// embeddedApps returns the apps built into the binary (nil if none).
func embeddedApps() fs.FS {
	dist, err := fs.Sub(webFiles, webDistDir)
	if err != nil {
		return nil
	}
	return dist
}

// staticApps serves files without directory listings: "/x/" serves
// x/index.html, "/x" redirects to "/x/" when x is an app, anything else
// missing is a 404.
type staticApps struct {
	fsys fs.FS
}

func (s *staticApps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	if name == "" {
		name = "index.html"
	}
	st, err := fs.Stat(s.fsys, name)
	switch {
	case err == nil && st.IsDir():
		if _, err := fs.Stat(s.fsys, path.Join(name, "index.html")); err == nil {
			http.Redirect(w, r, "/"+name+"/", http.StatusMovedPermanently)
			return
		}
		http.NotFound(w, r)
		return
	case errors.Is(err, fs.ErrNotExist):
		http.NotFound(w, r)
		return
	case err != nil:
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	if strings.HasPrefix(name, "assets/") {
		// Vite puts a content hash in every asset name.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Pages must be re-read so that a new build's assets are found.
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, s.fsys, name)
}

// placeholderHandler serves web/placeholder.html at / and 404 elsewhere.
func placeholderHandler() http.Handler {
	page, err := webFiles.ReadFile("web/placeholder.html")
	if err != nil {
		page = []byte("Earshot media server (browser apps not built).\n")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})
}

// routeWeb registers the browser apps on mux: the catch-all GET route, so
// that every API route registered more specifically wins.
func (a *app) routeWeb(mux *http.ServeMux) {
	mux.Handle("GET /", newWebHandler(embeddedApps()))
}
