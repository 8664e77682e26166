package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/media"
)

// The media plane of a cluster: the node that runs a tenant's domain (its
// control node) drives the media groups of the tenant's conversations on
// whichever node placement chose, over NATS request/reply. Subjects:
//
//	earshot.<cluster>.media.<node>   requests to a node's media host
//	earshot.<cluster>.legs.<node>    leg ends, from media hosts to the control node
//	earshot.<cluster>.digits.<node>  DTMF digits, from media hosts to the control node
//
// Requests of one control node to one media host are handled one at a time
// in order (one subscription), so a group's route changes are applied in the
// order the domain made them.

func mediaSubject(cluster string, node NodeID) string {
	return "earshot." + cluster + ".media." + string(node)
}

func legsSubject(cluster string, node NodeID) string {
	return "earshot." + cluster + ".legs." + string(node)
}

// levelsSubject carries a media host's audio-level counters of the groups
// a control node drives there (call health), every levelsInterval.
func levelsSubject(cluster string, node NodeID) string {
	return "earshot." + cluster + ".levels." + string(node)
}

// levelsReport is one such report: every group's legs' counters.
type levelsReport struct {
	Groups map[string][]media.LegLevels `json:"groups"`
}

// digitsSubject carries the DTMF digits of a control node's legs on other
// nodes (media.LegParams.OnDigit): a customer's may be card digits, so
// they are never logged on either side; NATS in production runs with TLS
// (docs/cluster.md).
func digitsSubject(cluster string, node NodeID) string {
	return "earshot." + cluster + ".digits." + string(node)
}

// Media operations.
const (
	opAddLeg    = "add_leg"
	opRemoveLeg = "remove_leg"
	opSetRoutes = "set_routes"
	opCandidate = "candidate"
	opClose     = "close"
	// Recording (media/recording.go) runs where the media is: the files are
	// written by the media node, under the directory the home names (in a
	// cluster, shared storage: docs/cluster.md).
	opStartRecording = "start_recording"
	opStopRecording  = "stop_recording"
	opExclude        = "exclude_from_recording"
	// opAdopt moves a group whose control node was lost to the node that
	// took that node's tenant over; the reply lists the group's live legs.
	opAdopt = "adopt"
)

// mediaRequest is one operation on a group of a media host.
type mediaRequest struct {
	Op    string `json:"op"`
	Group string `json:"group"`
	// Control is the node whose domain owns the group: leg ends go there,
	// and the group is closed if that node is lost.
	Control   NodeID                   `json:"control"`
	Leg       media.LegID              `json:"leg,omitempty"`
	Offer     string                   `json:"offer,omitempty"`
	Routes    []wireRoute              `json:"routes,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	RecDir    string                   `json:"rec_dir,omitempty"`
	RecStart  time.Time                `json:"rec_start,omitempty"`
	Excluded  bool                     `json:"excluded,omitempty"`
}

// wireFile is a media.RecordedFile on the wire, every field included.
type wireFile struct {
	Leg      media.LegID   `json:"leg"`
	Path     string        `json:"path"`
	Name     string        `json:"name"`
	Bytes    int64         `json:"bytes"`
	SHA256   string        `json:"sha256"`
	Packets  uint64        `json:"packets"`
	Dropped  uint64        `json:"dropped"`
	First    time.Duration `json:"first"`
	Last     time.Duration `json:"last"`
	Duration time.Duration `json:"duration"`
	Err      string        `json:"err,omitempty"`
}

func toWireFiles(fs []media.RecordedFile) []wireFile {
	out := make([]wireFile, len(fs))
	for i, f := range fs {
		out[i] = wireFile{Leg: f.Leg, Path: f.Path, Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256, Packets: f.Packets,
			Dropped: f.Dropped, First: f.First, Last: f.Last, Duration: f.Duration, Err: f.Err}
	}
	return out
}

func fromWireFiles(ws []wireFile) []media.RecordedFile {
	out := make([]media.RecordedFile, len(ws))
	for i, f := range ws {
		out[i] = media.RecordedFile{Leg: f.Leg, Path: f.Path, Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256, Packets: f.Packets,
			Dropped: f.Dropped, First: f.First, Last: f.Last, Duration: f.Duration, Err: f.Err}
	}
	return out
}

type wireRoute struct {
	Listener media.LegID `json:"l"`
	Speaker  media.LegID `json:"s"`
}

// mediaReply answers a mediaRequest: Error is a code of remoteCodes.
type mediaReply struct {
	Answer string        `json:"answer,omitempty"`
	Legs   []media.LegID `json:"legs,omitempty"`
	// Slots is every listener's slot table after a set_routes (which leg
	// each receive slot carries, "" for silent), for monitor.slots.
	Slots   map[media.LegID][]media.LegID `json:"slots,omitempty"`
	Files   []wireFile                    `json:"files,omitempty"`
	Error   string                        `json:"error,omitempty"`
	Message string                        `json:"message,omitempty"`
}

// legEnded is a media host's report that a leg of a group ended.
type legEnded struct {
	Group  string      `json:"group"`
	Leg    media.LegID `json:"leg"`
	Reason string      `json:"reason"`
}

// legDigit is a media host's report of one key pressed on a leg.
type legDigit struct {
	Group string      `json:"group"`
	Leg   media.LegID `json:"leg"`
	Digit string      `json:"digit"`
}

// Error codes of mediaReply, mapped to and from the media package's errors
// so that the domain sees the same errors as from a local group.
var remoteCodes = []struct {
	code string
	err  error
}{
	{"bad_offer", media.ErrBadOffer},
	{"too_many_speakers", media.ErrTooManySpeakers},
	{"leg_exists", media.ErrLegExists},
	{"unknown_leg", media.ErrUnknownLeg},
	{"group_closed", media.ErrGroupClosed},
	{"sfu_closed", media.ErrSFUClosed},
	{"control_alive", errControlAlive},
}

// errControlAlive refuses an adoption while the media node still sees the
// group's control node in its directory.
var errControlAlive = errors.New("the group's control node is still in the cluster")

// errRemote is a failure the media host gave no known code for.
var errRemote = errors.New("remote media failed")

func replyOf(err error) mediaReply {
	if err == nil {
		return mediaReply{}
	}
	for _, c := range remoteCodes {
		if errors.Is(err, c.err) {
			// The detail after media's own error text ("bad offer: no
			// audio m-line" sends ": no audio m-line").
			msg := err.Error()
			if i := strings.Index(msg, c.err.Error()); i >= 0 {
				msg = msg[i+len(c.err.Error()):]
			}
			return mediaReply{Error: c.code, Message: msg}
		}
	}
	return mediaReply{Error: "failed", Message: err.Error()}
}

func (r mediaReply) err() error {
	if r.Error == "" {
		return nil
	}
	for _, c := range remoteCodes {
		if r.Error == c.code {
			return fmt.Errorf("%w%s", c.err, r.Message)
		}
	}
	return fmt.Errorf("%w: %s", errRemote, r.Message)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cluster: marshal %T: %v", v, err)) // only our own plain structs
	}
	return b
}
