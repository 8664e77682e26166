package mediatest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// OggPacket is one Opus packet of an Ogg Opus file, placed on the file's
// timeline.
type OggPacket struct {
	// Start is the packet's first sample (48 kHz) from the file's start;
	// Samples its length.
	Start, Samples int64
	Payload        []byte
}

// At is the packet's start as a time offset.
func (p OggPacket) At() time.Duration { return time.Duration(p.Start) * time.Second / 48000 }

// Tagged decodes the packet's mediatest payload, if it carries one.
func (p OggPacket) Tagged() (speaker string, seq uint32, sent time.Time, ok bool) {
	return DecodePayload(p.Payload)
}

// ReadOggOpusFile reads an Ogg Opus file written by Earshot's recorder.
func ReadOggOpusFile(path string) ([]OggPacket, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadOggOpus(b)
}

// ReadOggOpus parses an Ogg Opus stream page by page — capture pattern,
// version, CRC of every page, page sequence — checks the OpusHead and
// OpusTags headers, and returns the audio packets, each placed by the
// granule positions: a packet ending a page ends at that page's granule
// position, and the packets before it on the page precede it.
func ReadOggOpus(b []byte) ([]OggPacket, error) {
	var (
		out     []OggPacket
		pending []byte // a packet continued on the next page
		headers int
		seq     uint32
		serial  uint32
		eos     bool
	)
	for off := 0; off < len(b); {
		if eos {
			return nil, errors.New("ogg: data after end of stream")
		}
		if len(b)-off < 27 || !bytes.Equal(b[off:off+4], []byte("OggS")) || b[off+4] != 0 {
			return nil, fmt.Errorf("ogg: bad page header at %d", off)
		}
		h := b[off : off+27]
		flags := h[5]
		granule := binary.LittleEndian.Uint64(h[6:14])
		pageSerial := binary.LittleEndian.Uint32(h[14:18])
		pageSeq := binary.LittleEndian.Uint32(h[18:22])
		crc := binary.LittleEndian.Uint32(h[22:26])
		nseg := int(h[26])
		if len(b)-off < 27+nseg {
			return nil, io.ErrUnexpectedEOF
		}
		lacing := b[off+27 : off+27+nseg]
		size := 0
		for _, l := range lacing {
			size += int(l)
		}
		end := off + 27 + nseg + size
		if end > len(b) {
			return nil, io.ErrUnexpectedEOF
		}
		page := append([]byte(nil), b[off:end]...)
		page[22], page[23], page[24], page[25] = 0, 0, 0, 0
		if oggCRC(page) != crc {
			return nil, fmt.Errorf("ogg: page %d: bad CRC", pageSeq)
		}
		if off == 0 {
			serial = pageSerial
		} else if pageSerial != serial || pageSeq != seq+1 {
			return nil, fmt.Errorf("ogg: page %d (serial %d) out of sequence after %d", pageSeq, pageSerial, seq)
		}
		seq = pageSeq
		eos = flags&4 != 0

		data := b[off+27+nseg : end]
		var done [][]byte
		p := 0
		for _, l := range lacing {
			pending = append(pending, data[p:p+int(l)]...)
			p += int(l)
			if l < 255 {
				done = append(done, pending)
				pending = nil
			}
		}
		// Headers first, then audio placed backwards from the granule.
		var audio []OggPacket
		for _, pkt := range done {
			switch {
			case headers == 0:
				if !bytes.HasPrefix(pkt, []byte("OpusHead")) {
					return nil, errors.New("ogg: no OpusHead")
				}
				headers++
			case headers == 1:
				if !bytes.HasPrefix(pkt, []byte("OpusTags")) {
					return nil, errors.New("ogg: no OpusTags")
				}
				headers++
			default:
				n, err := opusSamples(pkt)
				if err != nil {
					return nil, fmt.Errorf("ogg: page %d: %w", pageSeq, err)
				}
				audio = append(audio, OggPacket{Samples: n, Payload: pkt})
			}
		}
		pos := int64(granule)
		for i := len(audio) - 1; i >= 0; i-- {
			pos -= audio[i].Samples
			audio[i].Start = pos
		}
		out = append(out, audio...)
		off = end
	}
	if !eos {
		return nil, errors.New("ogg: no end-of-stream page")
	}
	return out, nil
}

// opusSamples counts a packet's 48 kHz samples from its TOC (RFC 6716 3.1).
func opusSamples(p []byte) (int64, error) {
	if len(p) == 0 {
		return 0, errors.New("empty opus packet")
	}
	cfg := p[0] >> 3
	var frame int64
	switch {
	case cfg < 12:
		frame = [...]int64{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16:
		frame = [...]int64{480, 960}[cfg&1]
	default:
		frame = [...]int64{120, 240, 480, 960}[cfg&3]
	}
	count := int64(1)
	switch p[0] & 3 {
	case 1, 2:
		count = 2
	case 3:
		if len(p) < 2 {
			return 0, errors.New("opus code 3 without count")
		}
		count = int64(p[1] & 0x3F)
	}
	return frame * count, nil
}

// oggCRC is Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, zero
// initial value) over a page whose CRC field is zeroed.
func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
