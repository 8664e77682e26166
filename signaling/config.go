package signaling

import "time"

// Config holds the transport's limits and timers. The zero value of any
// field means "use the default" (see DefaultConfig), so a partial YAML
// section works.
type Config struct {
	// MaxFrameBytes bounds one inbound message; larger frames close the
	// socket with FrameTooLarge. SDP offers are a few KiB.
	MaxFrameBytes int64 `yaml:"max_frame_bytes"`
	// RatePerSecond and RateBurst form the token bucket of one socket.
	RatePerSecond float64 `yaml:"rate_per_second"`
	RateBurst     int     `yaml:"rate_burst"`
	// UserRatePerSecond and UserRateBurst form the bucket shared by all
	// sessions of one user (tenant + subject), so that opening many sockets
	// does not multiply a user's allowance.
	UserRatePerSecond float64 `yaml:"user_rate_per_second"`
	UserRateBurst     int     `yaml:"user_rate_burst"`
	// PingInterval is how often the server sends WebSocket pings; a socket
	// that sends nothing (not even a pong) for PingInterval+PongTimeout is
	// considered lost.
	PingInterval time.Duration `yaml:"ping_interval"`
	PongTimeout  time.Duration `yaml:"pong_timeout"`
	// AuthTimeout bounds the wait for the first (auth or resume) frame.
	AuthTimeout time.Duration `yaml:"auth_timeout"`
	// WriteTimeout bounds one frame write; a socket that cannot take a frame
	// in that time is closed as a slow consumer.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// ResumeGrace is how long a session outlives its dropped socket.
	ResumeGrace time.Duration `yaml:"resume_grace"`
	// SendQueue bounds the frames (responses and events) waiting to be
	// written to one socket; overflowing it closes the socket (SlowConsumer).
	SendQueue int `yaml:"send_queue"`
	// ReplayBuffer is how many recent events a session keeps for resume.
	ReplayBuffer int `yaml:"replay_buffer"`
	// AllowedOrigins lists the browser origins ("https://console.example.com")
	// allowed to open sockets. Empty means an origin whose host is one of
	// the server's allowed hosts (ServerParams.Hosts; loopback names by
	// default); "*" allows any origin (development only). Requests without
	// an Origin header (non-browser clients) are always allowed: Origin
	// checks protect browsers from cross-site WebSocket hijacking, they are
	// not authentication.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// DefaultConfig returns the defaults used for every zero field.
func DefaultConfig() Config {
	return Config{
		MaxFrameBytes:     64 << 10,
		RatePerSecond:     20,
		RateBurst:         40,
		UserRatePerSecond: 50,
		UserRateBurst:     100,
		PingInterval:      20 * time.Second,
		PongTimeout:       10 * time.Second,
		AuthTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		ResumeGrace:       30 * time.Second,
		SendQueue:         256,
		ReplayBuffer:      256,
	}
}

// withDefaults replaces zero or negative fields by their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = d.MaxFrameBytes
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = d.RatePerSecond
	}
	if c.RateBurst <= 0 {
		c.RateBurst = d.RateBurst
	}
	if c.UserRatePerSecond <= 0 {
		c.UserRatePerSecond = d.UserRatePerSecond
	}
	if c.UserRateBurst <= 0 {
		c.UserRateBurst = d.UserRateBurst
	}
	if c.PingInterval <= 0 {
		c.PingInterval = d.PingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = d.PongTimeout
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = d.AuthTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.ResumeGrace <= 0 {
		c.ResumeGrace = d.ResumeGrace
	}
	if c.SendQueue <= 0 {
		c.SendQueue = d.SendQueue
	}
	if c.ReplayBuffer <= 0 {
		c.ReplayBuffer = d.ReplayBuffer
	}
	return c
}
