package media

import (
	"fmt"
	"net"
	"time"
)

// Defaults used by DefaultConfig and for zero fields of Config.
const (
	// DefaultSlots is the number of receive slots per leg: a conference of
	// four (customer, agent, supervisor, one more) needs three slots per
	// listener.
	DefaultSlots = 3
	// DefaultConnectTimeout bounds how long a leg may stay unconnected. ICE
	// plus DTLS normally takes well under a second; 30 s leaves room for
	// slow networks and TURN without keeping dead legs forever.
	DefaultConnectTimeout = 30 * time.Second
	// DefaultConsentTimeout is how long a connected leg may go without a
	// valid ICE consent check (RFC 7675) before it fails. Browsers check
	// about every 5 s; RFC 7675 section 5.1 expires consent after 30 s.
	DefaultConsentTimeout = 30 * time.Second
	// TCPOff as Config.TCPPort disables ICE-TCP.
	TCPOff = -1
	// DefaultShards is the number of forwarding shards when Config.Shards
	// is 0. One for now: the default moves to GOMAXPROCS once capacity
	// runs on the target machines confirm it.
	DefaultShards = 1
	// maxShards bounds Shards: each is a socket, a goroutine and about
	// 150 KiB of batch buffers, and no machine needs more than its cores.
	maxShards = 256
	// maxSlots bounds Slots: every slot is a sender with its own goroutine
	// and m-line, and nothing in Earshot needs more than a handful.
	maxSlots = 32
	// DefaultRecordingQueue is the number of packets the recording queue
	// holds between the forwarding goroutines and the recording writer:
	// about 270 ms of 150 recorded calls (two speakers each, 50 packets a
	// second), 6 MiB allocated when the first recording starts.
	DefaultRecordingQueue = 4096
	// maxRecordingQueue bounds RecordingQueue (about 1.5 GiB).
	maxRecordingQueue = 1 << 20
)

// Config is the SFU's configuration. Zero fields take their defaults, so a
// zero Config is usable (all interfaces, a free port, ICE-TCP on the same
// port number, 3 slots, 30 s).
type Config struct {
	// UDPPort is the one UDP port every leg's ICE traffic shares. 0 picks
	// a free port; see SFU.UDPAddr.
	UDPPort int `yaml:"udp_port"`
	// TCPPort is the port of the passive ICE-TCP candidates (RFC 6544),
	// for clients whose UDP is blocked. 0 uses the UDP port's number (or,
	// when UDPPort is 0 too and that number is taken on TCP, any free
	// port); TCPOff (-1) disables ICE-TCP. If the port cannot be bound the
	// SFU logs it and runs UDP-only.
	TCPPort int `yaml:"tcp_port"`
	// ListenIP is the address to bind; "" binds all interfaces (IPv4 and
	// IPv6). Tests use "127.0.0.1", which also enables loopback candidates.
	ListenIP string `yaml:"listen_ip"`
	// PublicIPs are advertised instead of the local addresses in host
	// candidates (1:1 NAT, e.g. a cloud VM's elastic IP).
	PublicIPs []string `yaml:"public_ips"`
	// Slots is the number of receive slots per leg (and so the number of
	// m-lines an offer must carry). Default 3.
	Slots int `yaml:"slots"`
	// ConnectTimeout closes a leg whose PeerConnection is not connected by
	// then. Default 30 s.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// ConsentTimeout fails a connected leg whose client sent no valid ICE
	// consent check (an authenticated STUN binding request, RFC 7675) for
	// this long: the client vanished or its network broke. Default 30 s.
	ConsentTimeout time.Duration `yaml:"consent_timeout"`
	// Shards is the number of forwarding shards: each has its own socket
	// on the one UDP port (SO_REUSEPORT: the kernel keeps each client's
	// address on one shard), its own reader goroutine and buffers, so
	// forwarding uses that many cores. 0 means DefaultShards. Where
	// SO_REUSEPORT is not available (not Linux) it is always 1.
	Shards int `yaml:"shards"`
	// RecordingQueue is how many packets may wait between forwarding and
	// the recording writer (one queue for the whole SFU). A full queue
	// drops the packet from the recording (Stats.RecordingDropped), never
	// from forwarding. 0 means DefaultRecordingQueue.
	RecordingQueue int `yaml:"recording_queue"`
	// SpeechLevel is the RFC 6464 level (dBov, -127..-1) from which a
	// packet counts as speech in the audio-level counters the domain reads
	// for call health (Group.Levels). 0 means DefaultSpeechLevel.
	SpeechLevel int `yaml:"speech_level_dbov"`
	// NoLevels turns the audio-level counters off: the forwarding path
	// then skips them and Group.Levels reports nothing (call health off).
	NoLevels bool `yaml:"no_levels"`
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{Slots: DefaultSlots, ConnectTimeout: DefaultConnectTimeout, ConsentTimeout: DefaultConsentTimeout, Shards: DefaultShards, RecordingQueue: DefaultRecordingQueue, SpeechLevel: DefaultSpeechLevel}
}

// withDefaults fills zero fields and checks the rest, so the SFU never runs
// with a half-valid configuration.
func (c Config) withDefaults() (Config, error) {
	if c.Slots == 0 {
		c.Slots = DefaultSlots
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.ConsentTimeout == 0 {
		c.ConsentTimeout = DefaultConsentTimeout
	}
	if c.Shards == 0 {
		c.Shards = DefaultShards
	}
	if c.RecordingQueue == 0 {
		c.RecordingQueue = DefaultRecordingQueue
	}
	if c.SpeechLevel == 0 {
		c.SpeechLevel = DefaultSpeechLevel
	}
	switch {
	case c.Slots < 1 || c.Slots > maxSlots:
		return c, fmt.Errorf("slots %d not in 1..%d: %w", c.Slots, maxSlots, ErrBadConfig)
	case c.Shards < 1 || c.Shards > maxShards:
		return c, fmt.Errorf("shards %d not in 1..%d: %w", c.Shards, maxShards, ErrBadConfig)
	case c.RecordingQueue < 1 || c.RecordingQueue > maxRecordingQueue:
		return c, fmt.Errorf("recording queue %d not in 1..%d: %w", c.RecordingQueue, maxRecordingQueue, ErrBadConfig)
	case c.SpeechLevel < -127 || c.SpeechLevel > -1:
		return c, fmt.Errorf("speech level %d dBov not in -127..-1: %w", c.SpeechLevel, ErrBadConfig)
	case c.ConnectTimeout < 0:
		return c, fmt.Errorf("connect timeout %s: %w", c.ConnectTimeout, ErrBadConfig)
	case c.ConsentTimeout < 0:
		return c, fmt.Errorf("consent timeout %s: %w", c.ConsentTimeout, ErrBadConfig)
	case c.UDPPort < 0 || c.UDPPort > 65535:
		return c, fmt.Errorf("udp port %d: %w", c.UDPPort, ErrBadConfig)
	case c.TCPPort < TCPOff || c.TCPPort > 65535:
		return c, fmt.Errorf("tcp port %d: %w", c.TCPPort, ErrBadConfig)
	}
	if c.ListenIP != "" && net.ParseIP(c.ListenIP) == nil {
		return c, fmt.Errorf("listen ip %q: %w", c.ListenIP, ErrBadConfig)
	}
	for _, ip := range c.PublicIPs {
		if net.ParseIP(ip) == nil {
			return c, fmt.Errorf("public ip %q: %w", ip, ErrBadConfig)
		}
	}
	c.PublicIPs = append([]string(nil), c.PublicIPs...)
	return c, nil
}
