package mediatest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// echoAnswerer is a bare pion answerer that plays the SFU's part in the
// simplest way: it binds one track per offered m-line and echoes the
// client's microphone into slot echoSlot.
func echoAnswerer(t *testing.T, offer string, echoSlot int) string {
	t.Helper()
	api, err := newClientAPI(ClientParams{Speaker: "answerer"}, net.IPv4(127, 0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.GracefulClose() })
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	var tracks []*webrtc.TrackLocalStaticRTP
	for range pc.GetTransceivers() {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "t", "s")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, tr)
	}
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		var p rtp.Packet
		for {
			n, _, err := remote.Read(buf)
			if err != nil {
				return
			}
			if p.Unmarshal(buf[:n]) == nil {
				_ = tracks[echoSlot].WriteRTP(&p)
			}
		}
	})
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc.LocalDescription().SDP
}

func TestClientEcho(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := NewClient(ClientParams{Speaker: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	offer, err := c.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAnswer(echoAnswerer(t, offer, 1)); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	c.StartSending()
	c.StartSending() // idempotent
	if err := c.WaitReceived(ctx, "echo", 20); err != nil {
		t.Fatal(err)
	}
	c.StopSending()
	sent := c.Sent()
	c.StartSending()
	if err := c.WaitReceived(ctx, "echo", sent+10); err != nil {
		t.Fatal(err)
	}
	c.StopSending()
	c.StopSending() // idempotent

	slots := c.SlotStats()
	if len(slots) != DefaultSlots {
		t.Fatalf("%d slots", len(slots))
	}
	s := slots[1]
	if s.Packets == 0 || s.Speakers["echo"] != s.Packets || s.LastSpeaker != "echo" {
		t.Fatalf("slot 1: %+v", s)
	}
	if s.SeqDiscontinuities != 0 || s.SSRCChanges != 0 || s.TimestampBackwards != 0 {
		t.Fatalf("echoed stream not continuous: %+v", s)
	}
	if s.AudioLevels != s.Packets {
		t.Fatalf("audio level missing on %d packets", s.Packets-s.AudioLevels)
	}
	if slots[0].Packets != 0 || slots[2].Packets != 0 {
		t.Fatalf("unexpected traffic: %+v", slots)
	}
	if got := c.ReceivedAll(); len(got) != 1 {
		t.Fatalf("received %v", got)
	}
	if n := c.Renegotiations(); n != 0 {
		t.Fatalf("%d renegotiations", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c.StartSending() // no effect after Close
	c.sender.mu.Lock()
	running := c.sender.stop != nil
	c.sender.mu.Unlock()
	if running {
		t.Fatal("StartSending after Close started the microphone")
	}
}

func TestNewClientParams(t *testing.T) {
	bad := map[string]ClientParams{
		"no speaker":     {},
		"long speaker":   {Speaker: "0123456789012345678901234567890123"},
		"negative slots": {Speaker: "x", Slots: -1},
		"bad ip":         {Speaker: "x", ListenIP: "nope"},
	}
	for name, p := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := NewClient(p); !errors.Is(err, ErrBadParams) {
				t.Fatalf("got %v, want ErrBadParams", err)
			}
		})
	}
}
