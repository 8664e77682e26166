package media

// Opus as Earshot negotiates it. In-band FEC lets the receiver rebuild a lost
// frame from the next one, which matters more for speech than bandwidth does.
const (
	opusClockRate = 48000
	opusChannels  = 2
	opusFmtp      = "minptime=10;useinbandfec=1"
	// opusFrameTicks is one 20 ms Opus frame in RTP timestamp units.
	opusFrameTicks = opusClockRate / 50
)
