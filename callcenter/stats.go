package callcenter

// Stats is a point-in-time count of the live state, for metrics.
type Stats struct {
	// Conversations by channel, then by state ("voice" → "active" → 3).
	Conversations map[string]map[string]int
	// Monitors by mode ("listen" → 2).
	Monitors map[string]int
	// Agents by state ("ready" → 5).
	Agents map[string]int
}

// Stats counts conversations, monitors and agents.
func (c *Center) Stats() Stats {
	s := Stats{
		Conversations: map[string]map[string]int{},
		Monitors:      map[string]int{},
		Agents:        map[string]int{},
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
	return s
}
