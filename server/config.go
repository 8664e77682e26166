package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/earshot/earshot/callcenter"
	"github.com/earshot/earshot/cluster"
	"github.com/earshot/earshot/internal/iceservers"
	"github.com/earshot/earshot/media"
	"github.com/earshot/earshot/signaling"
)

// Config is the whole server configuration: one struct, filled from the
// defaults, then an optional YAML file, then EARSHOT_* environment variables,
// then flags (each later source wins). Documented in README.md.
type Config struct {
	HTTP      HTTPConfig               `yaml:"http"`
	DataDir   string                   `yaml:"data_dir"`
	Log       LogConfig                `yaml:"log"`
	Auth      AuthConfig               `yaml:"auth"`
	Media     media.Config             `yaml:"media"`
	Signaling signaling.Config         `yaml:"signaling"`
	Policy    callcenter.Policy        `yaml:"policy"`
	Queues    []callcenter.QueueConfig `yaml:"queues"`
	Store     StoreConfig              `yaml:"store"`
	// RecordingDir is where recordings are written, one directory each
	// (default <data_dir>/recordings). Which calls are recorded is
	// policy.recording.
	RecordingDir string `yaml:"recording_dir"`
	// Cluster joins a cluster of nodes on NATS; off unless nats_url is set.
	Cluster cluster.Config `yaml:"cluster"`
	// ICEServers are the STUN/TURN servers browsers are told to use (YAML
	// only; none by default: host and ICE-TCP candidates need none). See
	// docs/deployment.md.
	ICEServers []iceservers.Entry `yaml:"ice_servers"`
}

// HTTPConfig is the HTTP listener.
type HTTPConfig struct {
	// Addr is where HTTP, WebSocket signaling, health and metrics listen.
	Addr string `yaml:"addr"`
	// ShutdownTimeout bounds the graceful drain on SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// ReadHeaderTimeout bounds reading a request's headers, the WebSocket
	// upgrade included, so that a client trickling a partial request
	// (slowloris) cannot hold a connection and its goroutine for long.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// PprofAddr, if set, serves net/http/pprof there (opt-in; see pprof.go).
	PprofAddr string `yaml:"pprof_addr"`
	// AllowedHosts are host names (or IPs, host:port, "*.domain") the server
	// answers to, besides the defaults (loopback names, the host of Addr,
	// the media public IPs, the hosts of signaling.allowed_origins). Other
	// Host headers get 421 on every route: see hostguard.go.
	AllowedHosts []string `yaml:"allowed_hosts"`
}

// LogConfig selects the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// AuthConfig selects how bearer tokens are verified.
type AuthConfig struct {
	// Mode is "hs256" (a secret generated in the data directory; the embedded
	// default) or "oidc" (RS256 tokens of an OpenID provider such as Keycloak).
	Mode     string `yaml:"mode"`
	Issuer   string `yaml:"issuer"`   // hs256: the iss claim minted and required
	Audience string `yaml:"audience"` // hs256: the aud claim minted and required
	// Demo prints demo logins at start (hs256 only).
	Demo bool       `yaml:"demo"`
	OIDC OIDCConfig `yaml:"oidc"`
}

// OIDCConfig configures OIDC mode.
type OIDCConfig struct {
	IssuerURL   string `yaml:"issuer_url"`
	Audience    string `yaml:"audience"`
	RolesClaim  string `yaml:"roles_claim"`
	TeamsClaim  string `yaml:"teams_claim"`
	TenantClaim string `yaml:"tenant_claim"`
	NameClaim   string `yaml:"name_claim"`
	TeamPrefix  string `yaml:"team_prefix"`
}

// DefaultConfig is what `make run` uses: everything embedded, nothing external.
func DefaultConfig() Config {
	return Config{
		HTTP:      HTTPConfig{Addr: "127.0.0.1:8080", ShutdownTimeout: 15 * time.Second, ReadHeaderTimeout: 10 * time.Second},
		DataDir:   "data",
		Log:       LogConfig{Level: "info", Format: "text"},
		Auth:      AuthConfig{Mode: "hs256", Issuer: "earshot", Audience: "earshot", Demo: true, OIDC: OIDCConfig{RolesClaim: "realm_access.roles", TeamsClaim: "groups", TenantClaim: "tenant", NameClaim: "name", TeamPrefix: "/"}},
		Media:     media.Config{UDPPort: 3478, Slots: media.DefaultSlots, ConnectTimeout: media.DefaultConnectTimeout, ConsentTimeout: media.DefaultConsentTimeout, Shards: media.DefaultShards, SpeechLevel: media.DefaultSpeechLevel},
		Signaling: signaling.DefaultConfig(),
		Policy:    callcenter.DefaultPolicy(),
		Queues: []callcenter.QueueConfig{
			{Name: "support", Team: "team-a"},
			{Name: "sales", Team: "team-b"},
		},
		Store:   defaultStoreConfig(),
		Cluster: cluster.DefaultConfig(),
	}
}

// setting is one value settable by environment variable and flag. One table
// keeps the two in step and the README reference honest.
type setting struct {
	flag, env, usage string
	set              func(c *Config, v string) error
}

func settings() []setting {
	str := func(p func(c *Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *p(c) = v; return nil }
	}
	dur := func(p func(c *Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			*p(c) = d
			return err
		}
	}
	num := func(p func(c *Config) *int) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			*p(c) = n
			return err
		}
	}
	boolean := func(p func(c *Config) *bool) func(*Config, string) error {
		return func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			*p(c) = b
			return err
		}
	}
	list := func(p func(c *Config) *[]string) func(*Config, string) error {
		return func(c *Config, v string) error {
			*p(c) = nil
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					*p(c) = append(*p(c), s)
				}
			}
			return nil
		}
	}
	return []setting{
		{"http", "EARSHOT_HTTP_ADDR", "HTTP listen address (signaling, health, metrics)", str(func(c *Config) *string { return &c.HTTP.Addr })},
		{"allowed-hosts", "EARSHOT_ALLOWED_HOSTS", "comma-separated extra host names the HTTP server answers to (Host header); others get 421", list(func(c *Config) *[]string { return &c.HTTP.AllowedHosts })},
		{"pprof", "EARSHOT_PPROF_ADDR", "serve net/http/pprof on this address (keep it on loopback; empty = off)", str(func(c *Config) *string { return &c.HTTP.PprofAddr })},
		{"data", "EARSHOT_DATA_DIR", "data directory (dev secret, store)", str(func(c *Config) *string { return &c.DataDir })},
		{"log-level", "EARSHOT_LOG_LEVEL", "debug, info, warn or error", str(func(c *Config) *string { return &c.Log.Level })},
		{"log-format", "EARSHOT_LOG_FORMAT", "text or json", str(func(c *Config) *string { return &c.Log.Format })},
		{"udp-port", "EARSHOT_UDP_PORT", "the single ICE UDP port for all media (0 = any free port)", num(func(c *Config) *int { return &c.Media.UDPPort })},
		{"tcp-port", "EARSHOT_TCP_PORT", "the ICE-TCP port for clients without UDP (0 = the UDP port's number, -1 = off)", num(func(c *Config) *int { return &c.Media.TCPPort })},
		{"consent-timeout", "EARSHOT_CONSENT_TIMEOUT", "close a leg whose client sent no ICE consent check for this long", dur(func(c *Config) *time.Duration { return &c.Media.ConsentTimeout })},
		{"listen-ip", "EARSHOT_LISTEN_IP", "IP the media port binds (empty = all)", str(func(c *Config) *string { return &c.Media.ListenIP })},
		{"public-ip", "EARSHOT_PUBLIC_IPS", "comma-separated public IPs advertised for media (NAT 1:1)", list(func(c *Config) *[]string { return &c.Media.PublicIPs })},
		{"slots", "EARSHOT_SLOTS", "receive slots (audio m-lines) per leg", num(func(c *Config) *int { return &c.Media.Slots })},
		{"media-shards", "EARSHOT_MEDIA_SHARDS", "forwarding shards: sockets on the media port, one reader goroutine (core) each (Linux; 1 elsewhere)", num(func(c *Config) *int { return &c.Media.Shards })},
		{"allowed-origins", "EARSHOT_ALLOWED_ORIGINS", "comma-separated browser origins allowed to open signaling sockets", list(func(c *Config) *[]string { return &c.Signaling.AllowedOrigins })},
		{"resume-grace", "EARSHOT_RESUME_GRACE", "how long a session outlives a dropped socket", dur(func(c *Config) *time.Duration { return &c.Signaling.ResumeGrace })},
		{"auth-mode", "EARSHOT_AUTH_MODE", "hs256 or oidc", str(func(c *Config) *string { return &c.Auth.Mode })},
		{"auth-issuer", "EARSHOT_AUTH_ISSUER", "hs256: token issuer", str(func(c *Config) *string { return &c.Auth.Issuer })},
		{"auth-audience", "EARSHOT_AUTH_AUDIENCE", "hs256: token audience", str(func(c *Config) *string { return &c.Auth.Audience })},
		{"demo", "EARSHOT_DEMO", "print demo logins at start (hs256)", boolean(func(c *Config) *bool { return &c.Auth.Demo })},
		{"oidc-issuer", "EARSHOT_OIDC_ISSUER_URL", "oidc: issuer URL (e.g. https://keycloak/realms/cc)", str(func(c *Config) *string { return &c.Auth.OIDC.IssuerURL })},
		{"oidc-audience", "EARSHOT_OIDC_AUDIENCE", "oidc: expected audience (client id)", str(func(c *Config) *string { return &c.Auth.OIDC.Audience })},
		{"oidc-roles-claim", "EARSHOT_OIDC_ROLES_CLAIM", "oidc: claim path of roles", str(func(c *Config) *string { return &c.Auth.OIDC.RolesClaim })},
		{"oidc-teams-claim", "EARSHOT_OIDC_TEAMS_CLAIM", "oidc: claim path of teams", str(func(c *Config) *string { return &c.Auth.OIDC.TeamsClaim })},
		{"oidc-tenant-claim", "EARSHOT_OIDC_TENANT_CLAIM", "oidc: claim path of the tenant", str(func(c *Config) *string { return &c.Auth.OIDC.TenantClaim })},
		{"max-silent-monitors", "EARSHOT_MAX_SILENT_MONITORS", "silent voice monitors per conversation (0 = no limit)", num(func(c *Config) *int { return &c.Policy.MaxSilentVoiceMonitors })},
		{"max-barge-participants", "EARSHOT_MAX_BARGE_PARTICIPANTS", "participants in a barged conversation", num(func(c *Config) *int { return &c.Policy.MaxBargeParticipants })},
		{"notify-agent", "EARSHOT_NOTIFY_AGENT", "tell agents they are monitored", boolean(func(c *Config) *bool { return &c.Policy.NotifyAgent })},
		{"notify-agent-names", "EARSHOT_NOTIFY_AGENT_NAMES", "include the supervisor's name in that notice", boolean(func(c *Config) *bool { return &c.Policy.NotifyAgentNames })},
		{"transfer-any-team", "EARSHOT_TRANSFER_ANY_TEAM", "allow transfers to agents outside the transferring party's teams", boolean(func(c *Config) *bool { return &c.Policy.TransferAnyTeam })},
		{"offer-timeout", "EARSHOT_OFFER_TIMEOUT", "how long an agent has to accept", dur(func(c *Config) *time.Duration { return &c.Policy.OfferTimeout })},
		{"record", "EARSHOT_RECORD", "record voice calls: off, all or queues (see record-queues)", str(func(c *Config) *string { return &c.Policy.Recording.Mode })},
		{"record-queues", "EARSHOT_RECORD_QUEUES", "comma-separated queues recorded with record=queues", list(func(c *Config) *[]string { return &c.Policy.Recording.Queues })},
		{"record-on-request", "EARSHOT_RECORD_ON_REQUEST", "agents and monitoring supervisors may start and stop recordings", boolean(func(c *Config) *bool { return &c.Policy.Recording.OnRequest })},
		{"recording-dir", "EARSHOT_RECORDING_DIR", "where recordings are written (default <data>/recordings)", str(func(c *Config) *string { return &c.RecordingDir })},
		{"pci-pause-max", "EARSHOT_PCI_PAUSE_MAX", "a PCI pause resumes by itself after this long (0 = only when asked)", dur(func(c *Config) *time.Duration { return &c.Policy.PCIPauseMax })},
		{"watch-connect-timeout", "EARSHOT_WATCH_CONNECT_TIMEOUT", "how long a supervisor whose watch started monitoring a voice call has to connect its leg", dur(func(c *Config) *time.Duration { return &c.Policy.WatchConnectTimeout })},
		{"health", "EARSHOT_HEALTH", "live call health from audio levels, and its alerts (false = off, and media counts no levels)", boolean(func(c *Config) *bool { return &c.Policy.Health.Enabled })},
		{"health-long-silence", "EARSHOT_HEALTH_LONG_SILENCE", "alert supervisors when nobody in a call talked for this long (0 = rule off)", dur(func(c *Config) *time.Duration { return &c.Policy.Health.LongSilence })},
		{"store", "EARSHOT_STORE_DRIVER", "durable store: sqlite (a file in the data directory) or postgres", str(func(c *Config) *string { return &c.Store.Driver })},
		{"store-dsn", "EARSHOT_STORE_DSN", "postgres: connection string (prefer the environment: flags show in ps)", str(func(c *Config) *string { return &c.Store.DSN })},
		{"store-path", "EARSHOT_STORE_PATH", "sqlite: database file (default <data>/earshot.db)", str(func(c *Config) *string { return &c.Store.Path })},
		{"retention", "EARSHOT_RETENTION", "delete history and audit rows older than this, e.g. 2160h (0 = keep all)", dur(func(c *Config) *time.Duration { return &c.Store.Retention })},
		{"cluster-nats-url", "EARSHOT_CLUSTER_NATS_URL", "join a cluster on this NATS server (JetStream on), e.g. nats://127.0.0.1:4222 (empty = single node, no NATS)", str(func(c *Config) *string { return &c.Cluster.NATSURL })},
		{"cluster-name", "EARSHOT_CLUSTER_NAME", "cluster name: the nodes of one cluster share its buckets", str(func(c *Config) *string { return &c.Cluster.Name })},
		{"cluster-node-id", "EARSHOT_CLUSTER_NODE_ID", "this node's id in the cluster (default: host name and a random suffix)", str(func(c *Config) *string { return &c.Cluster.NodeID })},
		{"cluster-heartbeat-ttl", "EARSHOT_CLUSTER_HEARTBEAT_TTL", "a node that stops heartbeating leaves the directory after this long (same on every node)", dur(func(c *Config) *time.Duration { return &c.Cluster.HeartbeatTTL })},
		{"cluster-placement", "EARSHOT_CLUSTER_PLACEMENT", "placement policy for new conversations: least_loaded or round_robin", str(func(c *Config) *string { return &c.Cluster.Placement })},
		{"cluster-signaling-url", "EARSHOT_CLUSTER_SIGNALING_URL", "the WebSocket URL other nodes and clients reach this node at (default ws://<http address>/ws)", str(func(c *Config) *string { return &c.Cluster.SignalingURL })},
	}
}

// recordingRoot is where recordings go.
func (c Config) recordingRoot() string {
	if c.RecordingDir != "" {
		return c.RecordingDir
	}
	return filepath.Join(c.DataDir, "recordings")
}

// LoadConfig builds the configuration from defaults, the YAML file named by
// -config (or EARSHOT_CONFIG), the environment and the flags in args.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("earshot", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	configPath := fs.String("config", getenv("EARSHOT_CONFIG"), "YAML configuration file")
	flagValues := map[string]*string{}
	for _, s := range settings() {
		flagValues[s.flag] = fs.String(s.flag, "", s.usage+" (env "+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *configPath != "" {
		raw, err := os.ReadFile(*configPath)
		if err != nil {
			return cfg, fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
			return cfg, fmt.Errorf("config file %s: %w", *configPath, err)
		}
	}
	for _, s := range settings() {
		if v := getenv(s.env); v != "" {
			if err := s.set(&cfg, v); err != nil {
				return cfg, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings() {
			if s.flag == f.Name && ferr == nil {
				if err := s.set(&cfg, *flagValues[s.flag]); err != nil {
					ferr = fmt.Errorf("-%s=%q: %w", s.flag, *flagValues[s.flag], err)
				}
			}
		}
	})
	if ferr != nil {
		return cfg, ferr
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	switch c.Auth.Mode {
	case "hs256":
	case "oidc":
		if c.Auth.OIDC.IssuerURL == "" || c.Auth.OIDC.Audience == "" {
			return fmt.Errorf("auth mode oidc needs oidc issuer_url and audience")
		}
	default:
		return fmt.Errorf("auth mode %q: use hs256 or oidc", c.Auth.Mode)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q: use text or json", c.Log.Format)
	}
	if c.HTTP.ReadHeaderTimeout <= 0 {
		return fmt.Errorf("http read_header_timeout must be positive")
	}
	if c.DataDir == "" {
		return fmt.Errorf("data_dir is required")
	}
	if _, err := allowedHosts(c); err != nil {
		return err
	}
	if err := iceservers.Validate(c.ICEServers); err != nil {
		return fmt.Errorf("ice_servers: %w", err)
	}
	if err := c.Policy.Recording.Check(); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if err := c.Policy.DTMF.Check(); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if c.Policy.MaxSilentVoiceMonitors < 0 || c.Policy.MaxBargeParticipants < 2 {
		return fmt.Errorf("policy: max_silent_voice_monitors >= 0 and max_barge_participants >= 2")
	}
	if c.Policy.PCIPauseMax < 0 || c.Policy.WatchConnectTimeout <= 0 {
		return fmt.Errorf("policy: pci_pause_max >= 0 and watch_connect_timeout > 0")
	}
	if c.Media.Slots != 0 && c.Policy.MaxBargeParticipants-1 > c.Media.Slots {
		return fmt.Errorf("policy max_barge_participants %d needs media slots >= %d", c.Policy.MaxBargeParticipants, c.Policy.MaxBargeParticipants-1)
	}
	if err := c.Policy.Health.Validate(); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if len(c.Queues) == 0 {
		return fmt.Errorf("at least one queue is required")
	}
	if err := c.Store.validate(); err != nil {
		return err
	}
	if err := c.Cluster.Validate(); err != nil {
		return err
	}
	return c.Cluster.CheckStore(c.Store.Driver)
}
