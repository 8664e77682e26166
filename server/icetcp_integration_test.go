package main

import (
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/media/mediatest"
)

// TestAgentWithoutUDP: an agent whose UDP is blocked (its endpoint
// gathers ICE-TCP only) takes a customer's call through the whole server:
// the answer's passive TCP candidate carries DTLS and audio both ways.
func TestAgentWithoutUDP(t *testing.T) {
	ts := startServer(t, nil)
	if ts.a.sfu.TCPAddr() == nil {
		t.Fatal("server runs without ICE-TCP")
	}
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	agent.client.TCP = true

	voiceCall(t, ts, cust, agent) // audio both ways, or it fails
	cust.hearsAfter(t, agent, agent.seq(), 50)
	agent.hearsAfter(t, cust, cust.seq(), 50)
	if n := ts.a.sfu.Stats().TCPConnections; n < 1 {
		t.Fatalf("%d ice-tcp connections: the agent's audio did not go over TCP", n)
	}
}

// TestFrozenAgentDroppedByConsent: an agent whose network freezes (its
// endpoint's packets stop reaching the server; no close_notify, no
// signaling change) is dropped once its ICE consent expires: the agent is
// told the conversation ended with agent_dropped, and the customer's call
// goes back to the queue — over UDP and over ICE-TCP.
func TestFrozenAgentDroppedByConsent(t *testing.T) {
	const (
		consentTimeout  = 2 * time.Second
		consentInterval = 500 * time.Millisecond
	)
	for _, tcp := range []bool{false, true} {
		name := "udp"
		if tcp {
			name = "tcp"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, func(c *Config) { c.Media.ConsentTimeout = consentTimeout })
			cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
			agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
			cust.client.ConsentInterval = consentInterval
			agent.client = mediatest.ClientParams{TCP: tcp, ConsentInterval: consentInterval}

			var freeze func()
			if tcp {
				port := ts.a.sfu.TCPAddr().(*net.TCPAddr).Port
				relay, err := mediatest.NewTCPRelay(ts.a.sfu.TCPAddr().String())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = relay.Close() })
				agent.rewrite = func(a string) (string, error) { return mediatest.ViaPort(a, "tcp", port, relay.Port()) }
				freeze = func() { relay.Set(mediatest.RelayNothing) }
			} else {
				server := ts.a.sfu.UDPAddr().(*net.UDPAddr).AddrPort()
				relay, err := mediatest.NewUDPRelay(server)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = relay.Close() })
				agent.rewrite = func(a string) (string, error) {
					return mediatest.ViaPort(a, "udp", int(server.Port()), relay.Port())
				}
				freeze = func() { relay.Set(mediatest.RelayNothing) }
			}

			id := voiceCall(t, ts, cust, agent)
			// Healthy for a few consent timeouts first.
			cust.hearsAfter(t, agent, agent.seq(), int(2*consentTimeout/(20*time.Millisecond)))

			mark, custMark := agent.sig.Mark(), cust.sig.Mark()
			frozen := time.Now()
			freeze()
			ended, err := agent.sig.WaitEvent(ctxT(t), mark, "conversation.ended", func(b json.RawMessage) bool { return convID(b) == id })
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(frozen)
			var ev struct {
				Reason string `json:"reason"`
			}
			if err := json.Unmarshal(ended.Data, &ev); err != nil || ev.Reason != "agent_dropped" {
				t.Fatalf("conversation.ended %s, want reason agent_dropped", ended.Data)
			}
			if low, high := consentTimeout/2, consentTimeout+4*time.Second; took < low || took > high {
				t.Fatalf("agent dropped %s after the freeze, want %s..%s", took, low, high)
			}
			t.Logf("agent dropped %s after its network froze", took.Round(time.Millisecond))
			if _, err := cust.sig.WaitEvent(ctxT(t), custMark, "conversation.updated", func(b json.RawMessage) bool {
				var v struct {
					State string `json:"state"`
				}
				_ = json.Unmarshal(b, &v)
				return convID(b) == id && v.State == "queued"
			}); err != nil {
				t.Fatal(fmt.Errorf("customer not re-queued: %w", err))
			}
		})
	}
}
