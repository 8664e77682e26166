// Package iceservers holds the STUN and TURN servers browsers are told to
// use, and mints short-lived TURN credentials per user with the "TURN REST
// API" scheme that coturn implements as use-auth-secret / static-auth-secret
// (draft-uberti-behave-turn-rest): username "<expiry unix time>:<user>",
// password base64(HMAC-SHA1(secret, username)). Earshot runs no TURN server
// itself; see docs/deployment.md.
package iceservers

import (
	"crypto/hmac"
	"crypto/sha1" // the TURN REST API's MAC (coturn checks HMAC-SHA1)
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTTL is how long minted TURN credentials stay valid when an entry
// gives no ttl: as long as a demo login, so a call never outlives them.
const DefaultTTL = 12 * time.Hour

// ErrBadEntry is wrapped by Validate's errors.
var ErrBadEntry = errors.New("bad ice server entry")

// Entry is one configured ICE server (YAML `ice_servers`).
type Entry struct {
	// URLs are stun:, stuns:, turn: or turns: URIs (RFC 7064, RFC 7065).
	URLs []string `yaml:"urls"`
	// Username and Credential are fixed TURN credentials.
	Username   string `yaml:"username"`
	Credential string `yaml:"credential"`
	// Secret, instead of fixed credentials, is the TURN server's shared
	// secret: each user gets credentials of their own that expire after TTL.
	Secret string        `yaml:"secret"`
	TTL    time.Duration `yaml:"ttl"`
}

// Server is one RTCIceServer as a browser takes it (JSON on the wire).
type Server struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Validate checks entries as config loading does: a clear error names the
// entry and what is wrong.
func Validate(entries []Entry) error {
	for i, e := range entries {
		if len(e.URLs) == 0 {
			return fmt.Errorf("%w %d: no urls", ErrBadEntry, i)
		}
		turn := false
		for _, u := range e.URLs {
			scheme, rest, ok := strings.Cut(u, ":")
			if !ok || rest == "" {
				return fmt.Errorf("%w %d: %q is not a stun:/turn: URI", ErrBadEntry, i, u)
			}
			switch scheme {
			case "stun", "stuns":
			case "turn", "turns":
				turn = true
			default:
				return fmt.Errorf("%w %d: %q: scheme %q, want stun, stuns, turn or turns", ErrBadEntry, i, u, scheme)
			}
		}
		fixed := e.Username != "" || e.Credential != ""
		switch {
		case fixed && e.Secret != "":
			return fmt.Errorf("%w %d: give either username/credential or secret, not both", ErrBadEntry, i)
		case turn && !fixed && e.Secret == "":
			return fmt.Errorf("%w %d: a TURN server needs username/credential or secret", ErrBadEntry, i)
		case fixed && (e.Username == "" || e.Credential == ""):
			return fmt.Errorf("%w %d: username and credential go together", ErrBadEntry, i)
		case e.TTL < 0:
			return fmt.Errorf("%w %d: negative ttl", ErrBadEntry, i)
		}
	}
	return nil
}

// For returns the servers for one user at now, with credentials minted
// for the entries that have a secret.
func For(entries []Entry, user string, now time.Time) []Server {
	if len(entries) == 0 {
		return nil
	}
	out := make([]Server, 0, len(entries))
	for _, e := range entries {
		s := Server{URLs: e.URLs, Username: e.Username, Credential: e.Credential}
		if e.Secret != "" {
			ttl := e.TTL
			if ttl == 0 {
				ttl = DefaultTTL
			}
			s.Username, s.Credential = Mint(e.Secret, user, now.Add(ttl))
		}
		out = append(out, s)
	}
	return out
}

// Mint returns TURN REST API credentials for user valid until expires.
func Mint(secret, user string, expires time.Time) (username, credential string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
