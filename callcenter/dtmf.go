package callcenter

import (
	"errors"

	"github.com/earshot/earshot/media"
)

// DTMF in the domain (F6). Media reports every key a leg's client pressed
// (media.LegParams.OnDigit); the domain decides what it means:
//
//   - a customer's digit goes to the agent as conversation.dtmf, and only
//     while the agent hears the customer (the hear-matrix: not on hold,
//     not muted). It never goes to a supervisor, in any mode — so card
//     digits keyed during a PCI pause never reach one either — and it is
//     never logged, audited or recorded (media takes the packets out
//     before routing and recording);
//   - a supervisor's digits are commands, never forwarded: star codes
//     switch the mode or leave through SetMode and Leave themselves (every
//     policy check, the same audit events as monitor.set_mode and
//     monitor.leave), and the tapping code names an agent's extension
//     whose conversation the supervisor may monitor;
//   - an agent's digits go nowhere.

// dtmfEvent is conversation.dtmf: one digit the customer pressed.
type dtmfEvent struct {
	ConversationID ConversationID `json:"conversation_id"`
	Digit          string         `json:"digit"`
}

// commandError is a refusal in monitor.command.
type commandError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MonitorCommandEvent is monitor.command: the outcome of a code a
// supervisor dialled on a monitoring leg.
type MonitorCommandEvent struct {
	// ConversationID is the conversation whose leg the code was dialled on.
	ConversationID ConversationID `json:"conversation_id"`
	// Command is listen, whisper, barge, leave or tap ("" for an unknown
	// code).
	Command string `json:"command,omitempty"`
	// Mode is the supervisor's mode after a listen/whisper/barge command.
	Mode Mode `json:"mode,omitempty"`
	// Extension and TargetConversationID: the tapping code's agent and the
	// conversation the supervisor may now monitor (with monitor.start,
	// which checks every policy again and is audited).
	Extension            string         `json:"extension,omitempty"`
	TargetConversationID ConversationID `json:"target_conversation_id,omitempty"`
	// Error is set when the command was refused; nothing changed then.
	Error *commandError `json:"error,omitempty"`
}

// dialCommand is a complete code to carry out outside the state lock.
type dialCommand struct {
	client Client
	conv   ConversationID
	dialResult
}

// legDigit is media's report of one key pressed on leg id.
func (c *Center) legDigit(cid ConversationID, id media.LegID, digit rune) {
	var cmd dialCommand
	_ = c.do(func(ob *outbox) error {
		conv := c.conversations[cid]
		if conv == nil {
			return nil
		}
		p := conv.partyOfLeg(id)
		if p == nil {
			return nil
		}
		switch p.role {
		case PartyCustomer:
			c.customerDigitLocked(ob, conv, p, digit)
		case PartySupervisor:
			cmd = c.supervisorDigitLocked(ob, conv, p, digit)
		}
		return nil
	})
	if cmd.complete {
		c.runDialCommand(cmd)
	}
}

// customerDigitLocked forwards a customer's digit to the agent, if the
// agent hears the customer right now.
func (c *Center) customerDigitLocked(ob *outbox, conv *Conversation, p *participant, digit rune) {
	ag := conv.agent()
	if ag == nil {
		return
	}
	for _, pr := range HearMatrix(conv.hearState()) {
		if pr.Listener == ag.id && pr.Speaker == p.id {
			ob.push(ag.client, EventConversationDTMF, dtmfEvent{ConversationID: conv.id, Digit: string(digit)})
			return
		}
	}
}

// supervisorDigitLocked adds a digit to what supervisor p dialled and
// returns the command once a code is complete. An unknown code is refused
// at once (monitor.command with unknown_code) and forgotten.
func (c *Center) supervisorDigitLocked(ob *outbox, conv *Conversation, p *participant, digit rune) dialCommand {
	now := c.now()
	if now.Sub(p.dialedAt) > c.policy.DTMF.DigitTimeout {
		p.dialed = ""
	}
	p.dialed += string(digit)
	p.dialedAt = now
	res := c.policy.DTMF.match(p.dialed)
	switch {
	case res.invalid:
		p.dialed = ""
		ob.push(p.client, EventMonitorCommand, MonitorCommandEvent{ConversationID: conv.id,
			Error: &commandError{Code: ErrUnknownCode.Code, Message: ErrUnknownCode.Message}})
		return dialCommand{}
	case res.complete:
		p.dialed = ""
		return dialCommand{client: p.client, conv: conv.id, dialResult: res}
	}
	return dialCommand{}
}

// runDialCommand carries out a supervisor's code through the same calls
// as the protocol's requests, and tells the supervisor the outcome.
func (c *Center) runDialCommand(cmd dialCommand) {
	ev := MonitorCommandEvent{ConversationID: cmd.conv, Command: cmd.command, Extension: cmd.ext}
	var err error
	switch cmd.command {
	case DTMFListen, DTMFWhisper, DTMFBarge:
		mode, _ := ParseMode(cmd.command)
		var view SupervisorView
		view, err = c.SetMode(cmd.client, cmd.conv, mode)
		ev.Mode = view.Mode
	case DTMFLeave:
		err = c.Leave(cmd.client, cmd.conv)
	case DTMFTap:
		ev.TargetConversationID, err = c.tapTarget(cmd.client, cmd.ext)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = ErrMediaFailed
		}
		ev.Error = &commandError{Code: e.Code, Message: e.Message}
		ev.TargetConversationID = ""
	}
	c.log.Info("dial-pad command", "conversation", cmd.conv, "command", cmd.command, "refused", ev.Error != nil)
	_ = c.do(func(ob *outbox) error {
		ob.push(cmd.client, EventMonitorCommand, ev)
		return nil
	})
}

// tapTarget finds the conversation of the agent with extension ext and
// applies every policy of monitor.start to the supervisor monitoring it.
func (c *Center) tapTarget(cl Client, ext string) (ConversationID, error) {
	id := cl.Identity()
	c.mu.Lock()
	defer c.mu.Unlock()
	user, ok := c.policy.DTMF.agentOfExtension(id.Tenant, ext)
	if !ok {
		return "", refuse(ErrUnknownExtension, "no agent has extension %s", ext)
	}
	a := c.agents[userKey{tenant: id.Tenant, user: user}]
	if a == nil || a.conv == nil {
		return "", refuse(ErrConversationInactive, "the agent with extension %s is in no conversation", ext)
	}
	if ag := a.conv.agent(); ag == nil || ag.user != a.key {
		return "", refuse(ErrConversationInactive, "the agent with extension %s is in no conversation", ext)
	}
	conv, err := c.checkMonitorLocked(id, a.conv.id)
	if err != nil {
		return "", err
	}
	return conv.id, nil
}

// partyOfLeg returns the party whose current leg is id.
func (conv *Conversation) partyOfLeg(id media.LegID) *participant {
	for _, p := range conv.parties {
		if p.leg != nil && p.leg.ID() == id {
			return p
		}
	}
	return nil
}
