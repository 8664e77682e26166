package media

// drainBufferSize holds any RTCP compound packet or RTP packet a client
// sends.
const drainBufferSize = 1500

// drain reads and discards until the reader closes. For RTCP (every
// RTPSender, and the microphone's RTPReceiver) reading is what runs pion's
// interceptor chain on incoming RTCP (the receiver-report interceptor uses
// the client's sender reports) and keeps pion's per-stream buffers from
// filling. It also swallows a stray incoming track that no route may use.
//
// One goroutine per RTPSender/RTPReceiver: pion exposes only a blocking
// per-stream Read, so a shared reader would have to poll with deadlines
// (wake-ups for nothing, more CPU at scale), whereas a parked goroutine
// costs only its stack. With the default 3 slots a leg has 4 of them.
func drain(r packetReader) {
	buf := make([]byte, drainBufferSize)
	for {
		if _, _, err := r.Read(buf); err != nil {
			return
		}
	}
}
