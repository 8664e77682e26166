package iceservers

import (
	"errors"
	"testing"
	"time"
)

// TestMint checks the credential against one computed independently with
// openssl, as coturn checks it:
//
//	printf '1800000000:alice' | openssl dgst -sha1 -hmac s3cret -binary | base64
func TestMint(t *testing.T) {
	u, c := Mint("s3cret", "alice", time.Unix(1800000000, 0))
	if u != "1800000000:alice" || c != "3i66Yob+5ER4xVxIRXhvnAp6moo=" {
		t.Fatalf("got %q %q", u, c)
	}
}

func TestFor(t *testing.T) {
	now := time.Unix(1700000000, 0)
	got := For([]Entry{
		{URLs: []string{"stun:stun.example.com"}},
		{URLs: []string{"turns:turn.example.com:443?transport=tcp"}, Secret: "s3cret", TTL: time.Hour},
		{URLs: []string{"turn:turn2.example.com"}, Username: "u", Credential: "p"},
		{URLs: []string{"turn:turn3.example.com"}, Secret: "s3cret"},
	}, "alice", now)
	if len(got) != 4 || got[0].Username != "" || got[2].Username != "u" || got[2].Credential != "p" {
		t.Fatalf("%+v", got)
	}
	if u, c := Mint("s3cret", "alice", now.Add(time.Hour)); got[1].Username != u || got[1].Credential != c {
		t.Fatalf("minted %+v", got[1])
	}
	if want := "1700043200:alice"; got[3].Username != want {
		t.Fatalf("default ttl: %q, want %q", got[3].Username, want)
	}
	if For(nil, "alice", now) != nil {
		t.Fatal("no entries must give nil (no ice_servers field)")
	}
}

func TestValidate(t *testing.T) {
	good := []Entry{{URLs: []string{"stun:a"}}, {URLs: []string{"turns:b:443"}, Secret: "x"}, {URLs: []string{"turn:c"}, Username: "u", Credential: "p"}}
	if err := Validate(good); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Entry{
		"no urls":             {},
		"http url":            {URLs: []string{"https://turn.example.com"}},
		"turn without creds":  {URLs: []string{"turn:a"}},
		"both kinds of creds": {URLs: []string{"turn:a"}, Username: "u", Credential: "p", Secret: "s"},
		"username alone":      {URLs: []string{"turn:a"}, Username: "u"},
		"negative ttl":        {URLs: []string{"turn:a"}, Secret: "s", TTL: -time.Second},
	}
	for name, e := range bad {
		if err := Validate([]Entry{e}); !errors.Is(err, ErrBadEntry) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
