package main

import (
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/internal/iceservers"
	"github.com/earshot/earshot/signaling/sigclient"
)

// TestICEServersInAuth: configured STUN/TURN servers reach each user in the
// auth response, with TURN credentials minted for that user (coturn's
// use-auth-secret checks them); without configuration the field is absent.
func TestICEServersInAuth(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.ICEServers = []iceservers.Entry{
			{URLs: []string{"stun:stun.example.com:3478"}},
			{URLs: []string{"turns:turn.example.com:443?transport=tcp"}, Secret: "coturn-shared-secret", TTL: time.Hour},
		}
	})
	start := time.Now()
	cl, err := sigclient.Dial(ctxT(t), ts.ws, ts.token(t, "carla", "Carla", auth.RoleCustomer))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := cl.Session.ICEServers
	if len(got) != 2 || got[0].URLs[0] != "stun:stun.example.com:3478" || got[0].Username != "" {
		t.Fatalf("ice servers %+v", got)
	}
	// The credential is the TURN REST API's for this user, valid an hour.
	turn := got[1]
	minted := false
	for at := start.Truncate(time.Second); !at.After(time.Now()); at = at.Add(time.Second) { // the second it was minted in
		u, c := iceservers.Mint("coturn-shared-secret", "t1/carla", at.Add(time.Hour))
		minted = minted || (u == turn.Username && c == turn.Credential)
	}
	if !minted {
		t.Fatalf("turn credentials %+v are not the REST API's for t1/carla", turn)
	}

	plain := startServer(t, nil)
	cl2, err := sigclient.Dial(ctxT(t), plain.ws, plain.token(t, "carla", "Carla", auth.RoleCustomer))
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if cl2.Session.ICEServers != nil {
		t.Fatalf("no ice_servers configured, got %+v", cl2.Session.ICEServers)
	}
}
