package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"

	"github.com/earshot/earshot/auth"
)

// voiceWorld is a world plus a voice call vic↔bea, with real media, that
// sue monitors in Listen with her own leg.
type voiceWorld struct {
	*world
	vic, bea, sue *party
	call          string
	// vicAnswer is the server's answer to vic: it names the leg's ICE
	// username fragment.
	vicOffer, vicAnswer string
}

func newVoiceWorld(t *testing.T) *voiceWorld {
	t.Helper()
	w := newWorld(t, nil)
	ts := w.ts
	v := &voiceWorld{world: w}
	v.vic = newParty(t, ts, "vic", ts.token(t, "vic", "Vic", auth.RoleCustomer))
	v.bea = newParty(t, ts, "bea", ts.token(t, "bea", "Bea", auth.RoleAgent, "team-a"))
	v.sue = newParty(t, ts, "sue", ts.token(t, "sue", "Sue", auth.RoleSupervisor, "team-a"))
	v.bea.do(t, "agent.set_state", map[string]string{"state": "ready"}, nil)
	var start startResp
	v.vicOffer = v.vic.offer(t)
	v.vic.do(t, "conversation.start", map[string]string{"queue": "support", "channel": "voice", "offer": v.vicOffer}, &start)
	v.call, v.vicAnswer = start.Conversation.ConversationID, start.Answer
	v.vic.connect(t, start.Answer)
	if _, err := v.bea.sig.WaitEvent(ctxT(t), 0, "conversation.offered", nil); err != nil {
		t.Fatal(err)
	}
	var acc startResp
	v.bea.do(t, "conversation.accept", map[string]string{"conversation_id": v.call, "offer": v.bea.offer(t)}, &acc)
	v.bea.connect(t, acc.Answer)
	var mon startResp
	v.sue.do(t, "monitor.start", map[string]string{"conversation_id": v.call, "offer": v.sue.offer(t)}, &mon)
	v.sue.connect(t, mon.Answer)
	v.flows(t)
	return v
}

// flows checks the call still carries audio both ways, and to the listener.
func (v *voiceWorld) flows(t *testing.T) {
	t.Helper()
	const n = 10
	// Marks first, so that the three paths are waited for at once.
	b0, c0 := v.bea.seq(), v.vic.seq()
	v.vic.hearsAfter(t, v.bea, b0, n)
	v.bea.hearsAfter(t, v.vic, c0, n)
	v.sue.hearsAfter(t, v.vic, c0, n)
}

// sdpAttr returns the value of the first "a=<name>:" line of sdp.
func sdpAttr(t *testing.T, sdp, name string) string {
	t.Helper()
	for _, line := range strings.Split(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(line, "a="+name+":"); ok {
			return v
		}
	}
	t.Fatalf("no a=%s in %q", name, sdp)
	return ""
}

// minimalAudio is a bare audio m-section.
func minimalAudio(mid int, kind string) string {
	return fmt.Sprintf("m=%s 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:%d\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n", kind, mid)
}

// SDP an attacker may offer, and second offers on legs that exist: each is
// refused, no leg is created or changed, and the call goes on.
func TestHostileOffers(t *testing.T) {
	v := newVoiceWorld(t)
	ts := v.ts
	dave := newParty(t, ts, "dave", ts.token(t, "dave", "Dave", auth.RoleCustomer))
	eve := newParty(t, ts, "eve", ts.token(t, "eve", "Eve", auth.RoleSupervisor, "team-a"))
	valid := dave.offer(t)
	session := valid[:strings.Index(valid, "m=")]
	hundred := session
	for i := range 100 {
		hundred += minimalAudio(i, "audio")
	}
	start := func(offer string) map[string]string {
		return map[string]string{"queue": "support", "channel": "voice", "offer": offer}
	}
	for _, tc := range []refusal{
		{"SDP garbage", dave, "conversation.start", start("this is not SDP at all"), "bad_offer"},
		{"SDP truncated", dave, "conversation.start", start(valid[:len(valid)/2]), "bad_offer"},
		{"video only", dave, "conversation.start", start(strings.ReplaceAll(valid, "m=audio", "m=video")), "bad_offer"},
		{"100 m-lines", dave, "conversation.start", start(hundred), "bad_offer"},
		{"no audio, a data channel only", dave, "conversation.start", start(session + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sctp-port:5000\r\n"), "bad_offer"},
		{"session part only", dave, "conversation.start", start(session), "bad_offer"},
		{"oversized SDP", dave, "conversation.start", start(valid + strings.Repeat("a=x-pad:"+strings.Repeat("p", 100)+"\r\n", 300)), "bad_request"},
		{"no offer on a voice call", dave, "conversation.start", map[string]string{"queue": "support", "channel": "voice"}, "offer_required"},
		{"customer offers twice", v.vic, "conversation.start", start(valid), "already_in_conversation"},
		{"agent offers twice", v.bea, "conversation.accept", map[string]string{"conversation_id": v.call, "offer": valid}, "not_offered"},
		{"supervisor offers twice", v.sue, "monitor.start", map[string]string{"conversation_id": v.call, "offer": valid}, "already_monitoring"},
		{"second silent monitor over the limit", eve, "monitor.start", map[string]string{"conversation_id": v.call, "offer": valid}, "monitor_limit"},
		{"ICE candidate garbage", v.vic, "conversation.candidate", map[string]any{"conversation_id": v.call, "candidate": map[string]any{"candidate": "candidate:garbage garbage"}}, "bad_request"},
		{"ICE candidate with a bad port", v.vic, "conversation.candidate", map[string]any{"conversation_id": v.call, "candidate": map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 99999 typ host"}}, "bad_request"},
		{"ICE candidate too long", v.vic, "conversation.candidate", map[string]any{"conversation_id": v.call, "candidate": map[string]any{"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host " + strings.Repeat("x", 1100)}}, "bad_request"},
		{"ICE candidate with an unknown field", v.vic, "conversation.candidate", map[string]any{"conversation_id": v.call, "candidate": map[string]any{"candidate": "", "evil": true}}, "bad_request"},
		{"ICE candidate on a chat", v.agent, "conversation.candidate", map[string]any{"conversation_id": v.conv, "candidate": map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host"}}, "bad_state"},
		{"ICE candidate for someone else's call", dave, "conversation.candidate", map[string]any{"conversation_id": v.call, "candidate": map[string]any{"candidate": "candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host"}}, "not_participant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ts)
			tc.p.refused(t, tc.typ, tc.data, tc.code)
			v.intact(t, before)
			v.flows(t)
		})
	}
}

// Datagrams on the media port that are not a valid connectivity check of
// a leg: none is answered with a STUN success, and the call goes on.
func TestHostileSTUN(t *testing.T) {
	v := newVoiceWorld(t)
	ts := v.ts
	srvUfrag := sdpAttr(t, v.vicAnswer, "ice-ufrag")
	cliUfrag := sdpAttr(t, v.vicOffer, "ice-ufrag")
	username := srvUfrag + ":" + cliUfrag
	build := func(setters ...stun.Setter) []byte {
		m, err := stun.Build(append([]stun.Setter{stun.TransactionID, stun.BindingRequest}, setters...)...)
		if err != nil {
			t.Fatal(err)
		}
		return m.Raw
	}
	good := build(stun.NewUsername(username), stun.NewShortTermIntegrity(sdpAttr(t, v.vicAnswer, "ice-pwd")), stun.Fingerprint)
	for _, tc := range []struct {
		name string
		pkt  []byte
	}{
		{"random bytes", []byte("\x00\x01\x00\x08garbage garbage garbage")},
		{"STUN header only", build()[:20]},
		{"STUN with a length beyond the datagram", append(build()[:2:2], 0xff, 0xf0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
		{"binding without credentials", build(stun.Fingerprint)},
		{"binding for an unknown username", build(stun.NewUsername("nobody:nobody"), stun.NewShortTermIntegrity("nobody"), stun.Fingerprint)},
		{"binding with the live leg's username and a wrong key", build(stun.NewUsername(username), stun.NewShortTermIntegrity("wrong-password-wrong-password"), stun.Fingerprint)},
		{"binding with the right key but no fingerprint", build(stun.NewUsername(username), stun.NewShortTermIntegrity(sdpAttr(t, v.vicAnswer, "ice-pwd")))},
		{"right binding with a corrupted integrity", func() []byte {
			b := append([]byte(nil), good...)
			b[len(b)-9] ^= 0xff // inside MESSAGE-INTEGRITY, before FINGERPRINT
			return b
		}()},
		{"RTP-looking datagram from a stranger", append([]byte{0x80, 0x6f, 0, 1, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef}, make([]byte, 160)...)},
		{"DTLS-looking datagram from a stranger", append([]byte{0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40}, make([]byte, 64)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, ts)
			conn, err := net.DialUDP("udp", nil, ts.a.sfu.UDPAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for range 3 {
				if _, err := conn.Write(tc.pkt); err != nil {
					t.Fatal(err)
				}
			}
			buf := make([]byte, 1500)
			for {
				_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				n, err := conn.Read(buf)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break // silence: the expected answer
				}
				if err != nil {
					t.Fatal(err)
				}
				m := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
				if m.Decode() == nil && m.Type.Class == stun.ClassSuccessResponse {
					t.Fatalf("answered with a STUN success: %v", m)
				}
			}
			v.intact(t, before)
			v.flows(t)
		})
	}
}
