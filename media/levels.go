package media

import "sync/atomic"

// DefaultSpeechLevel is Config.SpeechLevel's default, in dBov: a packet
// whose RFC 6464 level is at least this loud counts as speech. Speech
// through a browser's audio processing sits around -35 to -15 dBov; a
// room's noise after its noise suppression well below -50; silence (a
// muted track) is -127.
const DefaultSpeechLevel = -45

// LegLevels are one leg's RFC 6464 audio-level counters since it was
// added, as its microphone's packets said (nothing is decoded). They only
// grow; the domain samples them on a timer and works on the differences,
// so nothing is computed per packet beyond a few atomic adds.
type LegLevels struct {
	Leg LegID
	// Packets counts microphone packets that carried the audio-level
	// extension.
	Packets uint64
	// Voiced counts those whose voice-activity flag (V) was set.
	Voiced uint64
	// Speech counts those at least as loud as Config.SpeechLevel.
	Speech uint64
	// Loudness is the sum over all of them of 127 - level (0: silence,
	// 127: 0 dBov), so Loudness/Packets is the mean level above -127 dBov.
	Loudness uint64
	// SpeechLoudness is the same sum over the Speech packets only.
	SpeechLoudness uint64
}

// levelMeter counts a leg's audio levels. Only the goroutine holding the
// leg's rxMu writes (the reader of the shard its packets arrive at), so
// the adds never contend; Group.Levels reads.
type levelMeter struct {
	// speech is the loudness (127 - level) from which a packet counts as
	// speech.
	speech                                         uint8
	packets, voiced, nSpeech, loudness, speechLoud atomic.Uint64
}

// newLevelMeter returns a meter for speech at or above speechLevel dBov.
func newLevelMeter(speechLevel int) *levelMeter {
	return &levelMeter{speech: uint8(127 + speechLevel)}
}

// record counts one packet's audio-level extension payload (RFC 6464
// section 3: V flag in the top bit, then the level in -dBov, 0..127).
func (m *levelMeter) record(ext []byte) {
	if len(ext) == 0 {
		return
	}
	loud := 127 - ext[0]&0x7f
	m.packets.Add(1)
	m.loudness.Add(uint64(loud))
	if ext[0]&0x80 != 0 {
		m.voiced.Add(1)
	}
	if loud >= m.speech {
		m.nSpeech.Add(1)
		m.speechLoud.Add(uint64(loud))
	}
}

// snapshot reads the counters (each atomically; a packet counted between
// two loads shows up in the next sample).
func (m *levelMeter) snapshot(id LegID) LegLevels {
	return LegLevels{
		Leg:            id,
		Packets:        m.packets.Load(),
		Voiced:         m.voiced.Load(),
		Speech:         m.nSpeech.Load(),
		Loudness:       m.loudness.Load(),
		SpeechLoudness: m.speechLoud.Load(),
	}
}

// Levels appends the audio-level counters of every live leg of the group
// to dst and returns it (in no particular order). With Config.NoLevels
// set it appends nothing.
func (g *Group) Levels(dst []LegLevels) []LegLevels {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, l := range g.legs {
		if l.levels != nil {
			dst = append(dst, l.levels.snapshot(id))
		}
	}
	return dst
}
