package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/media/mediatest"
	"github.com/earshot/earshot/store"
)

// apiGetRaw fetches a path with a bearer token and returns status and body.
func apiGetRaw(t *testing.T, ts *testServer, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type recordingList struct {
	Recordings []store.RecordingRecord `json:"recordings"`
}

type recordingDetail struct {
	Recording store.RecordingRecord `json:"recording"`
	Manifest  callcenter.Manifest   `json:"manifest"`
}

// TestRecordedMonitoredCall records a monitored call, started by the
// agent's request, while the supervisor walks Listen -> Whisper -> Barge ->
// Listen, and reads it back through the reporting API: each party's file
// holds only that party's audio, on the recording's timeline; the
// supervisor's file holds audio only where the manifest says Whisper or
// Barge (never in Listen, when nobody heard it); the store's sizes and
// SHA-256s match the files; every access is audited; agents and other
// tenants get nothing.
// pciGrace is how many customer packets may still be recorded after a
// pause's acknowledgement: those already in flight (20 ms each).
const pciGrace = 5

func TestRecordedMonitoredCall(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.Policy.Recording.OnRequest = true })
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agentTok := ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a")
	agent := newParty(t, ts, "agent", agentTok)
	supTok := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
	sup := newParty(t, ts, "supervisor", supTok)
	const n = 25

	id := voiceCall(t, ts, cust, agent)
	ref := map[string]string{"conversation_id": id}
	cust.refused(t, "recording.start", ref, "forbidden_role")
	agent.refused(t, "recording.stop", ref, "bad_state")
	agent.do(t, "recording.start", ref, nil)
	agent.refused(t, "recording.start", ref, "bad_state")

	var mon startResp
	sup.do(t, "monitor.start", map[string]string{"conversation_id": id, "reason": "qa", "offer": sup.offer(t)}, &mon)
	sup.connect(t, mon.Answer)
	sup.hearsAfter(t, cust, cust.seq(), n)
	sup.waitSent(t, sup.seq(), n) // in Listen: sent, heard by nobody, not recorded

	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "whisper"}, nil)
	agent.hearsAfter(t, sup, sup.seq(), n)

	// A PCI pause in the middle of the Whisper: the agent still hears the
	// customer, the supervisor does not, and the recording keeps none of
	// the customer's audio (checked in the file below, by sequence number).
	agent.do(t, "conversation.pci", map[string]any{"conversation_id": id, "on": true}, nil)
	pauseFrom := cust.seq()
	agent.hearsAfter(t, cust, pauseFrom, n)
	cust.waitSent(t, pauseFrom, n)
	if got := sup.heardAfter(cust, pauseFrom); got != 0 {
		t.Fatalf("supervisor heard %d customer packets during the PCI pause", got)
	}
	// The last packet surely sent while paused is the one before the resume
	// is asked for: packets sent while it is in flight may be recorded.
	pauseEnd := cust.seq()
	agent.do(t, "conversation.pci", map[string]any{"conversation_id": id, "on": false}, nil)
	pauseTo := cust.seq()
	sup.hearsAfter(t, cust, pauseTo, n)

	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "barge"}, nil)
	cust.hearsAfter(t, sup, sup.seq(), n)
	sup.do(t, "monitor.set_mode", map[string]string{"conversation_id": id, "mode": "listen"}, nil)
	s0 := sup.seq()
	sup.waitSent(t, s0, n)
	agent.hearsAfter(t, cust, cust.seq(), n)
	agent.do(t, "recording.stop", ref, nil)

	// The row is completed once the files are closed.
	var rec store.RecordingRecord
	deadline := time.Now().Add(testDeadline)
	for {
		var list recordingList
		if st := apiGet(t, ts, "/api/v1/recordings?conversation_id="+id, supTok, &list); st != http.StatusOK {
			t.Fatalf("list: %d", st)
		}
		if len(list.Recordings) == 1 && !list.Recordings[0].EndedAt.IsZero() {
			rec = list.Recordings[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording not completed: %+v", list)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	if rec.StartedBy != "alex" || len(rec.Files) != 3 {
		t.Fatalf("recording %+v", rec)
	}

	var detail recordingDetail
	if st := apiGet(t, ts, "/api/v1/recordings/"+rec.ID, supTok, &detail); st != http.StatusOK {
		t.Fatalf("recording: %d", st)
	}
	m := detail.Manifest
	if m.RecordingID != rec.ID || len(m.Files) != 3 || len(m.Supervisors) != 1 || len(m.CustomerExcluded) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	var modes []string
	for _, sp := range m.Supervisors[0].Modes {
		modes = append(modes, sp.Mode.String())
	}
	if fmt.Sprint(modes) != "[listen whisper barge listen]" {
		t.Fatalf("supervisor modes %v", modes)
	}
	// Within the tolerance of the recorder's timeline (it follows each
	// speaker's RTP clock within 250 ms of the arrival times).
	const slack = 400 * time.Millisecond
	heardAt := func(at time.Duration) (callcenter.Mode, bool) {
		for _, sp := range m.Supervisors[0].Modes {
			from, to := time.Duration(sp.FromMs)*time.Millisecond, time.Duration(sp.ToMs)*time.Millisecond
			if sp.Mode != callcenter.ModeListen && at >= from-slack && at <= to+slack {
				return sp.Mode, true
			}
		}
		return callcenter.ModeListen, false
	}

	speakerOf := map[string]string{"customer": "customer", "agent": "agent", "supervisor": "supervisor"}
	for _, f := range m.Files {
		st, body := apiGetRaw(t, ts, "/api/v1/recordings/"+rec.ID+"/files/"+f.Name, supTok)
		if st != http.StatusOK {
			t.Fatalf("file %s: %d", f.Name, st)
		}
		sum := sha256.Sum256(body)
		var stored store.RecordingFile
		for _, sf := range rec.Files {
			if sf.Name == f.Name {
				stored = sf
			}
		}
		if hex.EncodeToString(sum[:]) != stored.SHA256 || int64(len(body)) != stored.Bytes || stored.Role != f.Role.String() {
			t.Fatalf("file %s: %d bytes %x, store says %+v", f.Name, len(body), sum, stored)
		}
		pkts, err := mediatest.ReadOggOpus(body)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		want := speakerOf[f.Role.String()]
		tagged, inWhisper := 0, 0
		for _, p := range pkts {
			speaker, _, _, ok := p.Tagged()
			if !ok {
				continue
			}
			tagged++
			if f.Role == callcenter.PartyCustomer {
				if _, seq, _, _ := p.Tagged(); seq > pauseFrom+pciGrace && seq <= pauseEnd {
					t.Fatalf("the customer's file holds packet %d, sent during the PCI pause (%d..%d)", seq, pauseFrom, pauseEnd)
				}
			}
			if speaker != want {
				t.Fatalf("%s's file (%s) holds a packet of %q at %v", f.Role, f.Name, speaker, p.At())
			}
			if f.Role == callcenter.PartySupervisor {
				mode, ok := heardAt(p.At())
				if !ok {
					t.Fatalf("supervisor recorded at %v, outside Whisper and Barge (manifest %+v)", p.At(), m.Supervisors[0].Modes)
				}
				if mode == callcenter.ModeWhisper {
					inWhisper++
				}
			}
		}
		if tagged < n {
			t.Fatalf("%s: only %d packets", f.Name, tagged)
		}
		if f.Role == callcenter.PartySupervisor && inWhisper < n/2 {
			t.Fatalf("supervisor's whisper: %d packets", inWhisper)
		}
	}

	t.Run("access is audited", func(t *testing.T) {
		var page apiEvents
		if st := apiGet(t, ts, "/api/v1/audit/events?action=recording.access,recording.start,recording.stop&conversation_id="+id, supTok, &page); st != http.StatusOK {
			t.Fatalf("audit: %d", st)
		}
		count := map[string]int{}
		for _, e := range page.Events {
			count[e.Action]++
		}
		if count["recording.access"] != 4 || count["recording.start"] != 1 || count["recording.stop"] != 1 {
			t.Fatalf("audit events %v", count)
		}
	})

	t.Run("agents and other tenants are refused", func(t *testing.T) {
		other := ts.tokenFor(t, auth.Identity{Subject: "olga", Name: "Olga", Tenant: "t2", Roles: []auth.Role{auth.RoleSupervisor}, Teams: []auth.TeamID{"team-a"}}, time.Hour)
		file := "/api/v1/recordings/" + rec.ID + "/files/" + rec.Files[0].Name
		for _, path := range []string{"/api/v1/recordings/" + rec.ID, file} {
			if st, _ := apiGetRaw(t, ts, path, agentTok); st != http.StatusForbidden {
				t.Fatalf("agent %s: %d", path, st)
			}
			if st, _ := apiGetRaw(t, ts, path, other); st != http.StatusNotFound {
				t.Fatalf("other tenant %s: %d", path, st)
			}
		}
		var list recordingList
		if st := apiGet(t, ts, "/api/v1/recordings", other, &list); st != http.StatusOK || len(list.Recordings) != 0 {
			t.Fatalf("other tenant's list: %d %+v", st, list)
		}
		for _, bad := range []string{"../" + rec.ID, "manifest.json", "..%2F..%2Fearshot.db"} {
			if st, _ := apiGetRaw(t, ts, "/api/v1/recordings/"+rec.ID+"/files/"+bad, supTok); st != http.StatusNotFound {
				t.Fatalf("file %q: %d", bad, st)
			}
		}
	})
}

// TestPolicyRecordsEveryCall: with policy mode "all", a call is recorded
// from its answer without any request, the recording cannot be stopped by
// request, and it ends with the call.
func TestPolicyRecordsEveryCall(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.Policy.Recording.Mode = callcenter.RecordAll
		c.Policy.Recording.OnRequest = true
	})
	cust := newParty(t, ts, "customer", ts.token(t, "carla", "Carla", auth.RoleCustomer))
	agent := newParty(t, ts, "agent", ts.token(t, "alex", "Alex", auth.RoleAgent, "team-a"))
	supTok := ts.token(t, "sam", "Sam", auth.RoleSupervisor, "team-a")
	id := voiceCall(t, ts, cust, agent)
	agent.hearsAfter(t, cust, cust.seq(), 25)
	cust.hearsAfter(t, agent, agent.seq(), 25)
	agent.refused(t, "recording.stop", map[string]string{"conversation_id": id}, "recording_required")
	agent.do(t, "conversation.end", map[string]string{"conversation_id": id}, nil)

	deadline := time.Now().Add(testDeadline)
	for {
		var list recordingList
		apiGet(t, ts, "/api/v1/recordings?conversation_id="+id, supTok, &list)
		if len(list.Recordings) == 1 && !list.Recordings[0].EndedAt.IsZero() {
			if r := list.Recordings[0]; r.StartedBy != "" || len(r.Files) != 2 {
				t.Fatalf("recording %+v", r)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed recording: %+v", list)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}
