package mediatest

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/opus"
)

func TestPayloadRoundTrip(t *testing.T) {
	sent := time.Unix(1700000000, 123456789)
	cases := []struct {
		name, speaker, want string
	}{
		{"simple", "alice", "alice"},
		{"empty", "", ""},
		{"max", strings.Repeat("x", MaxSpeakerLen), strings.Repeat("x", MaxSpeakerLen)},
		{"truncated", strings.Repeat("y", MaxSpeakerLen+5), strings.Repeat("y", MaxSpeakerLen)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := EncodePayload(nil, c.speaker, 4242, sent)
			if len(p) != PayloadSize {
				t.Fatalf("len %d, want %d", len(p), PayloadSize)
			}
			sp, seq, at, ok := DecodePayload(p)
			if !ok || sp != c.want || seq != 4242 || !at.Equal(sent) {
				t.Fatalf("decode = %q %d %v %v", sp, seq, at, ok)
			}
		})
	}
	t.Run("appends", func(t *testing.T) {
		p := EncodePayload([]byte("pre"), "a", 1, sent)
		if string(p[:3]) != "pre" || len(p) != 3+PayloadSize {
			t.Fatalf("did not append: %q", p[:3])
		}
		if _, _, _, ok := DecodePayload(p[3:]); !ok {
			t.Fatal("appended payload does not decode")
		}
	})
}

func TestDecodePayloadRejects(t *testing.T) {
	good := EncodePayload(nil, "bob", 7, time.Now())
	mutate := func(f func(p []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	cases := map[string][]byte{
		"empty":     nil,
		"truncated": good[:40],
		"long":      append(append([]byte(nil), good...), 0),
		"magic":     mutate(func(p []byte) []byte { p[4] = 'X'; return p }),
		"version":   mutate(func(p []byte) []byte { p[7] = 9; return p }),
		"taglen":    mutate(func(p []byte) []byte { p[20] = MaxSpeakerLen + 1; return p }),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, _, ok := DecodePayload(p); ok {
				t.Fatal("accepted")
			}
		})
	}
}

// TestPayloadIsValidOpus checks the payload decodes as Opus (an empty frame),
// so a browser receiving test traffic plays silence, not noise.
func TestPayloadIsValidOpus(t *testing.T) {
	dec, err := opus.NewDecoderWithOutput(48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 5760)
	p := EncodePayload(nil, "carol", 1, time.Now())
	if _, err := dec.DecodeToFloat32(p, out); err != nil {
		t.Fatalf("opus decode: %v", err)
	}
}
