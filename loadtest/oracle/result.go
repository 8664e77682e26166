package oracle

import (
	"sort"
)

// Result is what the oracle concluded about a run.
type Result struct {
	Packets PacketResult `json:"packets"`
	// Leaks counts receipts no rule allowed (audio and chat).
	Leaks uint64 `json:"leaks"`
	// WhisperLeaks counts supervisor audio and chat whispers that reached a
	// customer outside Barge: a subset of Leaks.
	WhisperLeaks uint64 `json:"whisper_leaks"`
	// PCILeaks counts customer audio that reached a supervisor while a PCI
	// pause may have been in force and no state allowed it: a subset of
	// Leaks.
	PCILeaks uint64 `json:"pci_leaks"`
	// LeaksAudio and LeaksChat split Leaks.
	LeaksAudio uint64 `json:"leaks_audio"`
	LeaksChat  uint64 `json:"leaks_chat"`
	// LeaksByPair splits audio leaks by "listener<-speaker" role; "other"
	// is a speaker of another call, the listener itself, or garbage.
	LeaksByPair map[string]uint64 `json:"leaks_by_pair,omitempty"`
	// LossRatio is Packets.Lost / Packets.Expected.
	LossRatio float64 `json:"loss_ratio"`
	// Latency is one-way (send → receive) over every packet received.
	Latency Dist `json:"latency_ms"`
	// SwitchLatency merges SwitchFirst and SwitchLast.
	SwitchLatency Dist `json:"switch_latency_ms"`
	// SwitchFirst: acknowledgement → first packet at a listener a mode
	// switch added; SwitchLast: acknowledgement → last packet at a listener
	// it removed (0 when none arrived after the request).
	SwitchFirst Dist `json:"switch_first_packet_ms"`
	SwitchLast  Dist `json:"switch_last_packet_ms"`
	// SwitchMissing counts added listeners that heard nothing before the
	// next change.
	SwitchMissing int `json:"switch_missing"`
	// Join is a leg's request (for a customer: the agent's accept) →
	// first audio received.
	Join Dist        `json:"join_ms"`
	Chat ChatResult  `json:"chat"`
	Legs []LegResult `json:"-"`
}

// PacketResult are the audio packet counts.
type PacketResult struct {
	Sent       uint64 `json:"sent"`
	Received   uint64 `json:"received"`
	Expected   uint64 `json:"expected"`
	Lost       uint64 `json:"lost"`
	Duplicated uint64 `json:"duplicated"`
	// Grace counts packets received while a switch was under way that only
	// one of the possible states allowed.
	Grace uint64 `json:"grace"`
	// Invalid counts payloads that did not decode (also leaks).
	Invalid uint64 `json:"invalid"`
}

// ChatResult are the chat message counts.
type ChatResult struct {
	Sent       uint64 `json:"sent"`
	Received   uint64 `json:"received"`
	Expected   uint64 `json:"expected"`
	Lost       uint64 `json:"lost"`
	Duplicated uint64 `json:"duplicated"`
	Latency    Dist   `json:"latency_ms"`
}

// LegResult is one leg's share, for diagnostics.
type LegResult struct {
	Tag                  string
	Sent, Expected, Lost uint64
}

// Result computes the run's numbers. Call it only after every sender and
// receiver has stopped.
func (o *Oracle) Result() Result {
	o.mu.Lock()
	calls := make([]*Call, 0, len(o.calls))
	for _, c := range o.calls {
		calls = append(calls, c)
	}
	chats := make([]*Chat, 0, len(o.chats))
	for _, c := range o.chats {
		chats = append(chats, c)
	}
	o.mu.Unlock()
	sort.Slice(calls, func(i, j int) bool { return calls[i].idx < calls[j].idx })

	var (
		res                 Result
		latency, join       []int64
		first, last, merged []int64
	)
	for _, c := range calls {
		for r := RoleCustomer; r < numRoles; r++ {
			l := c.legs[r]
			res.Packets.Sent += uint64(len(l.sent))
			res.Packets.Received += l.received.Load()
			res.Packets.Duplicated += l.dups.Load()
			res.Packets.Grace += l.grace.Load()
			res.Packets.Invalid += l.invalid.Load()
			res.LeaksAudio += l.leaks.Load()
			for sr := RoleUnknown; sr < numRoles; sr++ {
				if n := l.leaksFrom[sr].Load(); n > 0 {
					if res.LeaksByPair == nil {
						res.LeaksByPair = map[string]uint64{}
					}
					name := sr.String()
					if sr == RoleUnknown {
						name = "other"
					}
					res.LeaksByPair[r.String()+"<-"+name] += n
				}
			}
			res.WhisperLeaks += l.whisperLeaks.Load()
			res.PCILeaks += l.pciLeaks.Load()
			for _, arr := range l.recv {
				for _, d := range arr {
					if d != 0 {
						latency = append(latency, int64(d-1)*1000)
					}
				}
			}
			if s, f := l.joinStart.Load(), l.firstAudio.Load(); s != 0 && f != 0 {
				join = append(join, max(f-s, 0))
			}
		}
		legs := c.expectations(&res)
		res.Legs = append(res.Legs, legs...)
		f, la, missing := c.switchLatencies()
		first = append(first, f...)
		last = append(last, la...)
		res.SwitchMissing += missing
	}
	for _, ch := range chats {
		ch.result(&res.Chat)
		res.LeaksChat += ch.leaks.Load()
		res.WhisperLeaks += ch.whisperLeaks.Load()
	}
	var chatLatency []int64
	for _, ch := range chats {
		ch.mu.Lock()
		chatLatency = append(chatLatency, ch.latency...)
		ch.mu.Unlock()
	}
	res.Chat.Latency = distOf(chatLatency)
	res.Leaks = res.LeaksAudio + res.LeaksChat
	if res.Packets.Expected > 0 {
		res.LossRatio = float64(res.Packets.Lost) / float64(res.Packets.Expected)
	}
	res.Latency = distOf(latency)
	res.Join = distOf(join)
	merged = append(append(merged, first...), last...)
	res.SwitchFirst = distOf(first)
	res.SwitchLast = distOf(last)
	res.SwitchLatency = distOf(merged)
	return res
}

// expectations counts, for every listener and speaker of a call that fully
// joined, the packets that had to arrive and those that did not.
func (c *Call) expectations(res *Result) []LegResult {
	if c.failed.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.o.grace
	out := make([]LegResult, 0, numRoles-1)
	for lr := RoleCustomer; lr < numRoles; lr++ {
		l := c.legs[lr]
		lres := LegResult{Tag: l.tag, Sent: uint64(len(l.sent))}
		for sr := RoleCustomer; sr < numRoles; sr++ {
			if sr == lr {
				continue
			}
			s := c.legs[sr]
			lready, sready := l.ready.Load(), s.ready.Load()
			if lready == 0 || sready == 0 {
				continue
			}
			from := max(lready, sready) + c.o.warmup
			arr := l.recv[sr]
			for i, sent := range s.sent {
				if sent < from || c.inOutage(sent) || !c.tl.allowedThroughout(lr, sr, sent-g, sent+g) {
					continue
				}
				lres.Expected++
				if i >= len(arr) || arr[i] == 0 {
					lres.Lost++
				}
			}
		}
		res.Packets.Expected += lres.Expected
		res.Packets.Lost += lres.Lost
		out = append(out, lres)
	}
	return out
}

// switchLatencies measures every acknowledged mode switch of the call: for
// each listener it added to a speaker, acknowledgement → first packet that
// arrived; for each it removed, acknowledgement → last packet that arrived
// after the request (0 if none). Arrivals are looked for until the next
// change is requested.
func (c *Call) switchLatencies() (first, last []int64, missing int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, ch := range c.tl.Changes {
		if !ch.ModeSwitch || ch.Ack == open || c.inOutage(ch.Ack) {
			continue
		}
		before := c.tl.stateAt(i)
		end := int64(open)
		if i+1 < len(c.tl.Changes) {
			end = c.tl.Changes[i+1].Req
		}
		for lr := RoleCustomer; lr < numRoles; lr++ {
			for sr := RoleCustomer; sr < numRoles; sr++ {
				was, is := before.Hears(lr, sr), ch.State.Hears(lr, sr)
				if was == is {
					continue
				}
				firstAt, lastAt := c.arrivals(lr, sr, ch.Req, end)
				switch {
				case is && firstAt == 0:
					// Nothing arrived: missing, unless the speaker sent
					// nothing worth hearing before the next change or the
					// end of the run.
					if c.sentBetween(sr, ch.Ack, end-c.o.grace) {
						missing++
					}
				case is:
					first = append(first, max(firstAt-ch.Ack, 0))
				case lastAt == 0:
					last = append(last, 0)
				default:
					last = append(last, max(lastAt-ch.Ack, 0))
				}
			}
		}
	}
	return first, last, missing
}

// sentBetween reports whether speaker sent a packet within [from, to].
func (c *Call) sentBetween(speaker Role, from, to int64) bool {
	for _, sent := range c.legs[speaker].sent {
		if sent >= from && sent <= to {
			return true
		}
	}
	return false
}

// arrivals returns the first and last arrival times (Unix ns, 0 = none) at
// listener of speaker's packets that arrived within [from, to).
func (c *Call) arrivals(listener, speaker Role, from, to int64) (first, last int64) {
	s, arr := c.legs[speaker], c.legs[listener].recv[speaker]
	for i, sent := range s.sent {
		if i >= len(arr) {
			break
		}
		if arr[i] == 0 {
			continue
		}
		at := sent + int64(arr[i]-1)*1000
		if at < from || at >= to {
			continue
		}
		if first == 0 || at < first {
			first = at
		}
		if at > last {
			last = at
		}
	}
	return first, last
}

// result adds the chat's counts; a failed chat expects nothing.
func (c *Chat) result(r *ChatResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r.Sent += c.sent.Load()
	r.Received += c.received.Load()
	r.Duplicated += c.dups.Load()
	if c.failed {
		return
	}
	for _, m := range c.messages {
		if m.refused {
			continue
		}
		for lr := RoleCustomer; lr < numRoles; lr++ {
			if !c.joined[lr] || !ChatAudience(lr, m.whisper) {
				continue
			}
			r.Expected++
			if !m.got[lr] {
				r.Lost++
			}
		}
	}
}
