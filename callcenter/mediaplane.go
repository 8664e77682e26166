package callcenter

import (
	"context"

	"github.com/pion/webrtc/v4"

	"github.com/earshot/earshot/media"
)

// MediaPlane is where the domain's voice conversations get their media: the
// local SFU on a single node, the cluster's placement on a clustered one (a
// conversation's group may then live on another node). The domain decides
// who hears whom; a MediaPlane only executes it.
type MediaPlane interface {
	// NewGroup creates the media group of a voice conversation. onLost is
	// called once, on a goroutine of its own, if the group is lost with the
	// node that carried it (never for a group on this node): its legs are
	// gone without OnClosed, and the parties must negotiate new ones.
	NewGroup(id string, onLost func()) (MediaGroup, error)
}

// MediaGroup is one conversation's legs and routes (media.Group's contract).
type MediaGroup interface {
	// AddLeg answers a party's offer and adds its leg, silent and deaf
	// until SetRoutes names it.
	AddLeg(ctx context.Context, p media.LegParams) (MediaLeg, error)
	// RemoveLeg closes a leg; routes naming it no longer apply.
	RemoveLeg(id media.LegID) error
	// SetRoutes replaces the routing atomically. On error nothing changed.
	SetRoutes(routes []media.Route) error
	// Slots returns which leg each of listener's receive slots carries, as
	// the last SetRoutes left them (media.Group.Slots): announced to
	// monitoring supervisors (monitor.slots).
	Slots(listener media.LegID) []media.LegID
	// Close closes every leg and the group.
	Close()
	// StartRecording, StopRecording and ExcludeFromRecording are
	// media.Group's recording (media/recording.go): one Ogg Opus file per
	// speaking leg, written off the forwarding path.
	// Locator says where the group lives, for the conversation's record:
	// in a cluster the node carrying it ("" on a single node).
	Locator() string
	StartRecording(p media.RecordingParams) error
	StopRecording() ([]media.RecordedFile, error)
	ExcludeFromRecording(id media.LegID, excluded bool) error
}

// MediaLeg is one party's negotiated voice leg.
type MediaLeg interface {
	ID() media.LegID
	// Answer is the SDP answer for the party's offer.
	Answer() string
	// Done is closed when the leg ended.
	Done() <-chan struct{}
	AddICECandidate(c webrtc.ICECandidateInit) error
}

// MediaAdopter is a MediaPlane that can take over the media group of a
// conversation whose domain ran on a lost node (a cluster's): the group
// goes on forwarding on its node, and the legs listed come with it, ended
// (onLegClosed) and pressing keys (onDigit) as any leg. locator is the
// record's Locator.
type MediaAdopter interface {
	AdoptGroup(id, locator string, onLost func(), onLegClosed func(media.LegID, error), onDigit func(media.LegID, rune)) (MediaGroup, map[media.LegID]MediaLeg, error)
}

// LocalMedia is the MediaPlane of one node: groups on its own SFU.
type LocalMedia struct{ SFU *media.SFU }

var _ MediaPlane = LocalMedia{}

// NewGroup creates a group on the local SFU.
func (m LocalMedia) NewGroup(id string, _ func()) (MediaGroup, error) {
	return LocalGroup{m.SFU.NewGroup(id)}, nil
}

// LocalGroup adapts *media.Group to MediaGroup.
type LocalGroup struct{ *media.Group }

// Locator is "": a single node's group needs no address.
func (g LocalGroup) Locator() string { return "" }

// AddLeg adds a leg to the local group.
func (g LocalGroup) AddLeg(ctx context.Context, p media.LegParams) (MediaLeg, error) {
	l, err := g.Group.AddLeg(ctx, p)
	if err != nil {
		return nil, err
	}
	return l, nil
}
