package callcenter

// Event names pushed to clients. Documented in docs/protocol.md.
const (
	// EventConversationUpdated carries the receiver's own view of a
	// conversation it takes part in; sent only when that view changed.
	EventConversationUpdated = "conversation.updated"
	// EventConversationOffered offers a conversation to an agent.
	EventConversationOffered = "conversation.offered"
	// EventConversationEnded tells a party its part in a conversation ended.
	EventConversationEnded = "conversation.ended"
	// EventParticipantJoined tells customer and agent that someone joined
	// audibly (an agent, or a supervisor barging in).
	EventParticipantJoined = "conversation.participant_joined"
	// EventParticipantLeft is the counterpart of EventParticipantJoined.
	EventParticipantLeft = "conversation.participant_left"
	// EventChatMessage delivers a chat message to one receiver allowed to see it.
	EventChatMessage = "chat.message"
	// EventAgentState tells an agent its own state.
	EventAgentState = "agent.state"
	// EventMonitorEnded tells a supervisor its monitoring session ended.
	EventMonitorEnded = "monitor.ended"
	// EventMonitorWatchStarted tells a supervisor one of its watches
	// started monitoring a conversation (in Listen).
	EventMonitorWatchStarted = "monitor.watch_started"
	// EventMonitorWatchRefused tells a supervisor a watch could not start
	// monitoring a conversation, and why.
	EventMonitorWatchRefused = "monitor.watch_refused"
	// EventMonitorWatchEnded tells a supervisor a watch is over.
	EventMonitorWatchEnded = "monitor.watch_ended"
	// EventFloorConversation upserts a conversation in a supervisor's feed.
	EventFloorConversation = "floor.conversation"
	// EventFloorConversationRemoved removes one from the feed.
	EventFloorConversationRemoved = "floor.conversation_removed"
	// EventFloorAgent upserts an agent in a supervisor's agents list.
	EventFloorAgent = "floor.agent"
	// EventHelpRequested alerts a supervisor of a new help request of an
	// agent of its teams (one event per supervisor session; none when muted).
	EventHelpRequested = "help.requested"
	// EventHelpUpdated carries a help request's new state to its agent, its
	// provider and the supervisors who were shown it.
	EventHelpUpdated = "help.updated"
	// EventHealthAlert tells a supervisor that a call-health rule rose or
	// cleared on a conversation of its floor (none when muted).
	EventHealthAlert = "health.alert"
)
