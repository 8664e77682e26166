package callcenter

import "time"

// Policy holds the configurable monitoring rules. Defaults follow the seed
// vendors' documented behaviour, minus their limitations where lifting them is
// safe (outbound and transferred conversations can be monitored).
type Policy struct {
	// MaxSilentVoiceMonitors is how many supervisors may be in Listen on one
	// voice conversation at once; 0 means no limit.
	MaxSilentVoiceMonitors int `yaml:"max_silent_voice_monitors"`
	// MaxBargeParticipants caps everyone (customer, agent, every supervisor in
	// any mode) in a conversation in which a supervisor is barged in.
	MaxBargeParticipants int `yaml:"max_barge_participants"`
	// MonitorOutbound allows monitoring conversations an agent started.
	MonitorOutbound bool `yaml:"monitor_outbound"`
	// MonitorTransferred allows monitoring conversations that were transferred.
	MonitorTransferred bool `yaml:"monitor_transferred"`
	// NotifyAgent tells the agent "monitored" / "coached" while supervised.
	NotifyAgent bool `yaml:"notify_agent"`
	// NotifyAgentNames adds the supervisors' names to that notice; off keeps
	// the privacy mode in which the agent learns only that someone monitors.
	NotifyAgentNames bool `yaml:"notify_agent_names"`
	// OfferTimeout is how long an agent has to accept an offered conversation
	// before it is re-queued and the agent set Not Ready.
	OfferTimeout time.Duration `yaml:"offer_timeout"`
	// TransferAnyTeam lets agents (and barged supervisors) transfer to a
	// Ready agent of any team of the tenant. Off, the target must share a
	// team with the transferring party, so the conversation stays with
	// supervisors who may monitor it.
	TransferAnyTeam bool `yaml:"transfer_any_team"`
	// MaxChatMessageBytes bounds one chat message.
	MaxChatMessageBytes int `yaml:"max_chat_message_bytes"`
	// Recording says which voice conversations are recorded and who may
	// start and stop a recording (F8).
	Recording RecordingPolicy `yaml:"recording"`
	// PCIPauseMax is how long a PCI pause lasts at most before the server
	// resumes it, so a forgotten pause does not blind monitoring for the
	// rest of the call; 0 means it lasts until resumed or the call ends.
	PCIPauseMax time.Duration `yaml:"pci_pause_max"`
	// WatchConnectTimeout is how long a supervisor whose watch started
	// monitoring a voice conversation has to connect its leg
	// (monitor.connect) before that monitoring ends.
	WatchConnectTimeout time.Duration `yaml:"watch_connect_timeout"`
	// Health configures live call health and its alerts.
	Health HealthPolicy `yaml:"health"`
	// DTMF maps supervisors' dial-pad codes to monitoring commands and
	// agents to extensions (F6, dtmfpolicy.go).
	DTMF DTMFPolicy `yaml:"dtmf"`
}

// DefaultPolicy returns the seeds' defaults.
func DefaultPolicy() Policy {
	return Policy{
		MaxSilentVoiceMonitors: 1,
		MaxBargeParticipants:   4,
		MonitorOutbound:        true,
		MonitorTransferred:     true,
		NotifyAgent:            false,
		NotifyAgentNames:       false,
		OfferTimeout:           30 * time.Second,
		TransferAnyTeam:        false,
		MaxChatMessageBytes:    4000,
		Recording:              RecordingPolicy{Mode: RecordOff},
		PCIPauseMax:            10 * time.Minute,
		WatchConnectTimeout:    30 * time.Second,
		Health:                 DefaultHealthPolicy(),
		DTMF:                   DefaultDTMFPolicy(),
	}
}
