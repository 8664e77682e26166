package callcenter

// Stats is a point-in-time count of the live state, for metrics.
type Stats struct {
	// Conversations by channel, then by state ("voice" → "active" → 3).
	Conversations map[string]map[string]int
	// Monitors by mode ("listen" → 2).
	Monitors map[string]int
	// Agents by state ("ready" → 5).
	Agents map[string]int
	// HealthAlerts are the call-health rules raised now, by rule
	// ("long_silence" → 2); HealthAlertsRaised how often each was raised
	// since start.
	HealthAlerts       map[string]int
	HealthAlertsRaised map[string]uint64
	// HelpRequests are the active help requests by status ("open" → 1,
	// "in_progress" → 2); HelpAcceptSeconds the times from raise to
	// accept since start.
	HelpRequests      map[string]int
	HelpAcceptSeconds Histogram
}

// helpWaitBuckets are the upper bounds (seconds) of HelpAcceptSeconds: a
// supervisor accepts within seconds or within minutes.
var helpWaitBuckets = []float64{5, 10, 30, 60, 120, 300, 600}

// Histogram is a cumulative histogram of observations, for metrics:
// Buckets[i] counts observations <= Bounds[i].
type Histogram struct {
	Count   uint64
	Sum     float64
	Bounds  []float64
	Buckets []uint64
}

// observe adds one observation.
func (h *Histogram) observe(v float64) {
	if h.Bounds == nil {
		h.Bounds = helpWaitBuckets
		h.Buckets = make([]uint64, len(helpWaitBuckets))
	}
	h.Count++
	h.Sum += v
	for i, b := range h.Bounds {
		if v <= b {
			h.Buckets[i]++
		}
	}
}

// clone copies h so that a snapshot does not share its buckets.
func (h Histogram) clone() Histogram {
	if h.Bounds == nil {
		h.Bounds = helpWaitBuckets
		h.Buckets = make([]uint64, len(helpWaitBuckets))
		return h
	}
	h.Buckets = append([]uint64(nil), h.Buckets...)
	return h
}

// Stats counts conversations, monitors and agents.
func (c *Center) Stats() Stats {
	s := Stats{
		Conversations: map[string]map[string]int{},
		Monitors:      map[string]int{},
		Agents:        map[string]int{},

		HealthAlerts:       map[string]int{},
		HealthAlertsRaised: map[string]uint64{},
		HelpRequests:       map[string]int{HelpOpen.String(): 0, HelpInProgress.String(): 0},
	}
	for _, ch := range []Channel{ChannelVoice, ChannelChat} {
		s.Conversations[ch.String()] = map[string]int{}
		for _, st := range []ConvState{ConvQueued, ConvOffered, ConvActive} {
			s.Conversations[ch.String()][st.String()] = 0
		}
	}
	for _, m := range []Mode{ModeListen, ModeWhisper, ModeBarge} {
		s.Monitors[m.String()] = 0
	}
	for _, st := range []AgentState{AgentReady, AgentNotReady, AgentBusy, AgentOffline} {
		s.Agents[st.String()] = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conv := range c.conversations {
		s.Conversations[conv.channel.String()][conv.state.String()]++
		for _, p := range conv.supervisors() {
			s.Monitors[p.mode.String()]++
		}
	}
	for _, a := range c.agents {
		s.Agents[a.state().String()]++
	}
	c.healthStatsLocked(&s)
	for _, h := range c.help.active {
		s.HelpRequests[h.status.String()]++
	}
	s.HelpAcceptSeconds = c.help.waits.clone()
	return s
}
