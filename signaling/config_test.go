package signaling

import (
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	got := Config{RateBurst: 7, ResumeGrace: -time.Second, AllowedOrigins: []string{"https://a"}}.withDefaults()
	d := DefaultConfig()
	if got.RateBurst != 7 || got.ResumeGrace != d.ResumeGrace || got.MaxFrameBytes != 64<<10 ||
		got.SendQueue != 256 || got.ReplayBuffer != 256 || got.PingInterval != 20*time.Second ||
		got.UserRatePerSecond != 50 || got.UserRateBurst != 100 || len(got.AllowedOrigins) != 1 {
		t.Fatalf("withDefaults = %+v", got)
	}
	if (Config{}).withDefaults().RatePerSecond != 20 || d.AuthTimeout != 10*time.Second || d.PongTimeout != 10*time.Second {
		t.Fatalf("defaults %+v", d)
	}
	s := NewServer(ServerParams{Config: Config{SendQueue: 3}, Verifier: newFakeVerifier(), Handler: newFakeHandler()})
	if s.Config().SendQueue != 3 || s.Config().RateBurst != 40 {
		t.Fatalf("server config %+v", s.Config())
	}
}
