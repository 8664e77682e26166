package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/earshot/earshot/media/mediatest"
	"github.com/earshot/earshot/signaling/sigclient"
)

// party is one browser stand-in: a signaling session and a pion endpoint
// whose every packet carries its speaker tag.
type party struct {
	name  string
	sig   *sigclient.Client
	media *mediatest.Client
	// client is what offer gives its next pion endpoint beyond the
	// speaker tag (ICE-TCP only, consent interval).
	client mediatest.ClientParams
	// rewrite, if set, changes the server's answer before the endpoint
	// sees it (to send it through a relay).
	rewrite func(answer string) (string, error)
}

const testDeadline = 20 * time.Second

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

func newParty(t *testing.T, ts *testServer, speaker, token string) *party {
	t.Helper()
	sig, err := sigclient.Dial(ctxT(t), ts.ws, token)
	if err != nil {
		t.Fatalf("%s: %v", speaker, err)
	}
	p := &party{name: speaker, sig: sig}
	t.Cleanup(func() {
		sig.Close()
		if p.media != nil {
			_ = p.media.Close()
		}
	})
	return p
}

// offer creates the party's pion endpoint and returns its SDP offer.
func (p *party) offer(t *testing.T) string {
	t.Helper()
	params := p.client
	params.Speaker = p.name
	m, err := mediatest.NewClient(params)
	if err != nil {
		t.Fatal(err)
	}
	if p.media != nil {
		_ = p.media.Close()
	}
	p.media = m
	sdp, err := m.Offer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return sdp
}

// connect applies the server's answer, waits for the media to connect and
// starts the microphone.
func (p *party) connect(t *testing.T, answer string) {
	t.Helper()
	if p.rewrite != nil {
		var err error
		if answer, err = p.rewrite(answer); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
	}
	if err := p.media.SetAnswer(answer); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	if err := p.media.WaitConnected(ctxT(t)); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	p.media.StartSending()
}

// do sends a request and fails the test on refusal.
func (p *party) do(t *testing.T, typ string, data any, out any) {
	t.Helper()
	if err := p.sig.Request(ctxT(t), typ, data, out); err != nil {
		t.Fatalf("%s %s: %v", p.name, typ, err)
	}
}

// refused sends a request that must be refused with code.
func (p *party) refused(t *testing.T, typ string, data any, code string) {
	t.Helper()
	err := p.sig.Request(ctxT(t), typ, data, nil)
	re, ok := err.(*sigclient.RemoteError)
	if !ok || re.Code != code {
		t.Fatalf("%s %s: got %v, want %s", p.name, typ, err, code)
	}
}

// hears waits until the party has received n more packets from speaker than
// it had at seq mark "after" (a sender sequence number of the speaker).
func (p *party) hearsAfter(t *testing.T, speaker *party, after uint32, n int) {
	t.Helper()
	ctx := ctxT(t)
	for {
		if countAfter(p.media.ReceivedSeqs(speaker.name), after) >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s heard %d packets from %s after seq %d, want %d", p.name,
				countAfter(p.media.ReceivedSeqs(speaker.name), after), speaker.name, after, n)
		case <-time.After(5 * time.Millisecond): // poll interval
		}
	}
}

// heardAfter counts packets from speaker, sent after the speaker's sequence
// number "after", that reached the party.
func (p *party) heardAfter(speaker *party, after uint32) int {
	return countAfter(p.media.ReceivedSeqs(speaker.name), after)
}

func countAfter(seqs []uint32, after uint32) int {
	n := 0
	for _, s := range seqs {
		if s > after {
			n++
		}
	}
	return n
}

// seq is the speaker's latest sent payload sequence number.
func (p *party) seq() uint32 { return uint32(p.media.Sent()) }

// waitSent waits until the party has sent n more packets than at seq.
func (p *party) waitSent(t *testing.T, from uint32, n int) {
	t.Helper()
	ctx := ctxT(t)
	for p.seq() < from+uint32(n) {
		select {
		case <-ctx.Done():
			t.Fatalf("%s sent only %d packets", p.name, p.seq()-from)
		case <-time.After(5 * time.Millisecond): // poll interval
		}
	}
}

func convID(b json.RawMessage) string {
	var v struct {
		ConversationID string `json:"conversation_id"`
	}
	_ = json.Unmarshal(b, &v)
	return v.ConversationID
}
