package mediatest

import (
	"encoding/binary"
	"time"
)

// PayloadSize is the size of every payload EncodePayload produces: about
// one 20 ms Opus voice frame at 32 kbit/s, so packet sizes and SRTP costs
// match real calls.
const PayloadSize = 80

// MaxSpeakerLen is the longest speaker tag a payload carries.
const MaxSpeakerLen = 32

// The payload is a valid Opus packet so that a real decoder (a browser that
// ends up receiving it) plays silence instead of noise: TOC byte 0xFB is
// config 31 (CELT fullband 20 ms), mono, code 3; the frame-count byte 0x41
// says one CBR frame with Opus padding; the padding-length byte says all the
// remaining bytes are padding, so the single frame is empty (decoders treat
// it as a lost frame). Earshot's data lives in the Opus padding:
//
//	[0:3]   0xFB 0x41 77          Opus TOC, frame count, padding length
//	[3:7]   "ESHT"                magic
//	[7]     1                     version
//	[8:12]  seq                   big endian
//	[12:20] sent                  Unix nanoseconds, big endian
//	[20]    n                     speaker tag length, <= 32
//	[21:21+n] speaker tag, then zeros up to PayloadSize
const (
	opusTOC        = 0xFB
	opusFrameCount = 0x41
	opusPadding    = PayloadSize - 3
	payloadVersion = 1
	headerLen      = 21
)

// magic is the fixed prefix of every payload (Opus header, then "ESHT" and
// the version).
var magic = [...]byte{opusTOC, opusFrameCount, opusPadding, 'E', 'S', 'H', 'T', payloadVersion}

// EncodePayload appends a PayloadSize-byte payload carrying the speaker tag
// (truncated to MaxSpeakerLen bytes), a sequence number and the send time to
// dst and returns the extended slice. Pass buf[:0] to reuse a buffer.
func EncodePayload(dst []byte, speaker string, seq uint32, sent time.Time) []byte {
	if len(speaker) > MaxSpeakerLen {
		speaker = speaker[:MaxSpeakerLen]
	}
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	dst = binary.BigEndian.AppendUint64(dst, uint64(sent.UnixNano()))
	dst = append(dst, byte(len(speaker)))
	dst = append(dst, speaker...)
	for len(dst)-start < PayloadSize {
		dst = append(dst, 0)
	}
	return dst
}

// DecodePayload reads a payload made by EncodePayload. ok is false for
// anything else (real Opus audio, a corrupted or truncated packet).
func DecodePayload(p []byte) (speaker string, seq uint32, sent time.Time, ok bool) {
	if len(p) != PayloadSize || [len(magic)]byte(p[:len(magic)]) != magic {
		return "", 0, time.Time{}, false
	}
	n := int(p[20])
	if n > MaxSpeakerLen {
		return "", 0, time.Time{}, false
	}
	seq = binary.BigEndian.Uint32(p[8:12])
	sent = time.Unix(0, int64(binary.BigEndian.Uint64(p[12:20])))
	return string(p[headerLen : headerLen+n]), seq, sent, true
}
