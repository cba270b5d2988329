// Package config is docketd's one Config: read from defaults, then an
// optional JSON file, then DOCKET_* environment variables, then flags, and
// validated as a whole.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
)

// Config is every knob of docketd. The zero value, after setDefaults, runs
// the embedded mode in ./data.
type Config struct {
	// DataDir holds the embedded JetStream store and the key-encryption key.
	DataDir string `json:"data_dir"`
	// NATSURL selects an external NATS server or cluster; empty embeds one.
	NATSURL string `json:"nats_url"`
	// NATSUser logs in to an external NATS server (deploy/nats: "docketd");
	// its password is DOCKET_NATS_PASSWORD, from the environment only.
	NATSUser string `json:"nats_user"`
	// NATSPassword is DOCKET_NATS_PASSWORD; never printed.
	NATSPassword string `json:"-"`
	// NATSCAFile, NATSCertFile and NATSKeyFile: the CA that signed the
	// NATS server's certificate, and docketd's client certificate and key
	// (PEM), for a server that requires TLS (deploy/nats/docket-tls.conf).
	NATSCAFile   string `json:"nats_ca_file"`
	NATSCertFile string `json:"nats_cert_file"`
	NATSKeyFile  string `json:"nats_key_file"`
	// NATSListen is where the embedded server accepts network clients
	// (docket tail), which log in as docketd's in-process connection does
	// (package natsembed); "off", the default, accepts none.
	NATSListen string `json:"nats_listen"`
	// APIListen is the Connect API's address.
	APIListen string `json:"api_listen"`
	// APITLSCert and APITLSKey (PEM) make the API serve HTTPS only.
	APITLSCert string `json:"api_tls_cert"`
	APITLSKey  string `json:"api_tls_key"`
	// APIClientCA (PEM) turns on mutual TLS for services: a client
	// certificate it signed authenticates as the token bound to the
	// certificate's common name (docket tokens create --client-cert CN),
	// with no bearer token.
	APIClientCA string `json:"api_client_ca"`
	// Sync is the embedded store's fsync policy: "always" (fsync before
	// every acknowledgement) or a period such as "2m".
	Sync string `json:"sync"`
	// DuplicateWindow is how long a retried append is recognised.
	DuplicateWindow Duration `json:"duplicate_window"`
	// MaxClockSkew is how far after docketd's clock at receipt an event's
	// occurred_at may lie (an emitting service's clock may run ahead of
	// docketd's); an event from further ahead is refused.
	MaxClockSkew Duration `json:"max_clock_skew"`
	// StreamReplicas is 1 embedded, 3 on a cluster.
	StreamReplicas int `json:"stream_replicas"`
	// ProjectorPartitions splits the projection into a shared store among
	// that many projectors, one per partition of the data subjects, each
	// run by whichever replica holds its lease (1: one projector).
	// Changing it needs a rebuild with as many (docket projections rebuild
	// --partitions N).
	ProjectorPartitions int `json:"projector_partitions"`
	// Instance names this replica among the docketd sharing one NATS
	// (a NATS token, unique per replica; default: the host name). Its
	// consumers of replica-local state (the notary's tree, a SQLite read
	// model) are named after it, and it is the holder of the leases of the
	// jobs one replica at a time runs.
	Instance string `json:"instance"`
	// Store is the read-model store: "sqlite:PATH" (default
	// sqlite:DATA_DIR/readmodels.db) or a postgres:// URL (PostgreSQL or
	// CockroachDB).
	Store string `json:"store"`
	// KEKFile holds the 32-byte key-encryption key (mode 0600); created in
	// embedded mode when missing. Default DataDir/keys/kek.
	KEKFile string `json:"kek_file"`
	// KEK is DOCKET_KEK, the key-encryption key itself (64 hex digits),
	// which takes the file's place; from the environment only, never printed.
	KEK string `json:"-"`
	// PreviousKEKFile is the key-encryption key being rotated away from:
	// data keys still wrapped by it open too while docket keys rotate-kek
	// runs (docketd restarted with kek_file the new key, this the old one).
	PreviousKEKFile string `json:"previous_kek_file"`
	// AtomicAppend stores each API batch as one atomic write: all of it or
	// nothing, and one fsync per batch under Sync "always". Default on.
	AtomicAppend *bool `json:"atomic_append"`
	// MaxBatch bounds the events of one Append request.
	MaxBatch int `json:"max_batch"`
	// MaxRequestBytes bounds one API request.
	MaxRequestBytes int `json:"max_request_bytes"`
	// RateLimit is each API token's sustained calls per second, RateBurst
	// how many it may make at once; beyond, calls get resource_exhausted.
	RateLimit float64 `json:"rate_limit"`
	RateBurst int     `json:"rate_burst"`
	// Demo loads the demo data set at start (idempotent).
	Demo bool `json:"demo"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`

	// LogOrigin names the log in its signed checkpoints (the C2SP origin
	// line); auditors check it. Default "docket-ledger": set your own,
	// such as ledger.example.com, before the first checkpoint.
	LogOrigin string `json:"log_origin"`
	// NotaryKeyFile holds the notary's Ed25519 signing key (a note private
	// key, mode 0600); created when missing. Default DataDir/keys/notary.key.
	// The environment variable DOCKET_NOTARY_KEY, holding the key itself,
	// takes its place (and is never read from a flag or file setting).
	NotaryKeyFile string `json:"notary_key_file"`
	// NotaryKey is DOCKET_NOTARY_KEY; never printed.
	NotaryKey string `json:"-"`
	// CheckpointEvery: a checkpoint at least every this many events.
	CheckpointEvery int `json:"checkpoint_every"`
	// CheckpointInterval: and at least this often while events arrive.
	CheckpointInterval Duration `json:"checkpoint_interval"`
	// Art19Due is how long recipients have to be told of a rectification,
	// erasure or restriction (Art. 19) before it is a finding.
	Art19Due Duration `json:"art19_due"`
	// RetentionEvery is how often the retention scheduler goes through the
	// subjects.
	RetentionEvery Duration `json:"retention_every"`
	// RetentionLead: data whose retention runs out within it is erased on
	// the pass before, so that it is gone by its date.
	RetentionLead Duration `json:"retention_lead"`
	// WitnessKeys are the note verifier keys of the witnesses whose
	// cosignatures the ledger accepts and reports.
	WitnessKeys []string `json:"witness_keys"`
}

// Defaults returns the configuration docketd runs with when told nothing.
func Defaults() Config {
	c := Config{}
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.NATSListen == "" {
		c.NATSListen = "off"
	}
	if c.APIListen == "" {
		c.APIListen = "127.0.0.1:7070"
	}
	if c.Sync == "" {
		c.Sync = "always"
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = Duration(2 * time.Minute)
	}
	if c.MaxClockSkew == 0 {
		c.MaxClockSkew = Duration(events.DefaultMaxClockSkew)
	}
	if c.StreamReplicas == 0 {
		c.StreamReplicas = 1
	}
	if c.Instance == "" {
		c.Instance = hostInstance()
	}
	if c.ProjectorPartitions == 0 {
		c.ProjectorPartitions = 1
	}
	if c.AtomicAppend == nil {
		on := true
		c.AtomicAppend = &on
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 1000
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = 8 << 20
	}
	if c.RateLimit == 0 {
		c.RateLimit = 100
	}
	if c.RateBurst == 0 {
		c.RateBurst = 200
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogOrigin == "" {
		c.LogOrigin = "docket-ledger"
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = 1000
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = Duration(10 * time.Second)
	}
	if c.Art19Due == 0 {
		c.Art19Due = Duration(30 * 24 * time.Hour)
	}
	if c.RetentionEvery == 0 {
		c.RetentionEvery = Duration(10 * time.Minute)
	}
	if c.RetentionLead == 0 {
		c.RetentionLead = Duration(time.Hour)
	}

}

// Embedded reports whether docketd runs its own NATS server.
func (c Config) Embedded() bool { return c.NATSURL == "" }

// Atomic reports whether API batches are stored as atomic writes.
func (c Config) Atomic() bool { return c.AtomicAppend == nil || *c.AtomicAppend }

// StoreDSN is the read-model store, sqlite:DATA_DIR/readmodels.db unless set.
func (c Config) StoreDSN() string {
	if c.Store != "" {
		return c.Store
	}
	return "sqlite:" + filepath.Join(c.DataDir, "readmodels.db")
}

// ParseStoreDSN checks a store value, "sqlite:PATH" or a postgres:// or
// postgresql:// URL, and splits it into its kind and target. Its errors
// name the problem without echoing the value, which can hold a password.
func ParseStoreDSN(dsn string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		target = strings.TrimPrefix(dsn, "sqlite:")
		if target == "" {
			return "", "", errors.New(`store: "sqlite:" needs a file path, e.g. sqlite:data/readmodels.db`)
		}
		return "sqlite", target, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", dsn, nil
	default:
		return "", "", errors.New("store: must be sqlite:PATH or a postgres:// URL")
	}
}

// KEKPath is the key-encryption key file.
func (c Config) KEKPath() string {
	if c.KEKFile != "" {
		return c.KEKFile
	}
	return filepath.Join(c.DataDir, "keys", "kek")
}

// AdminTokenPath is where docketd writes the first admin token, when it
// starts with no token at all.
func (c Config) AdminTokenPath() string { return filepath.Join(c.DataDir, "keys", "admin.token") }

// NotaryKeyPath is the notary's signing key file.
func (c Config) NotaryKeyPath() string {
	if c.NotaryKeyFile != "" {
		return c.NotaryKeyFile
	}
	return filepath.Join(c.DataDir, "keys", "notary.key")
}

// SyncPolicy parses Sync: always, or the fsync period.
func (c Config) SyncPolicy() (always bool, every time.Duration, err error) {
	if c.Sync == "always" {
		return true, 0, nil
	}
	d, err := time.ParseDuration(c.Sync)
	if err != nil || d <= 0 {
		return false, 0, fmt.Errorf("sync: %q is neither \"always\" nor a positive duration such as 2m", c.Sync)
	}
	return false, d, nil
}

// Validate reports every problem at once, each naming its setting.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "is empty")
	}
	if c.NATSURL != "" && !strings.HasPrefix(c.NATSURL, "nats://") && !strings.HasPrefix(c.NATSURL, "tls://") {
		bad("nats_url", "must start with nats:// or tls://")
	}
	if c.Embedded() && (c.NATSUser != "" || c.NATSPassword != "" || c.NATSCAFile != "" || c.NATSCertFile != "" || c.NATSKeyFile != "") {
		bad("nats_user", "NATS credentials and TLS files are for an external server: set nats_url")
	}
	if (c.NATSPassword != "") != (c.NATSUser != "") {
		bad("nats_user", "a user needs DOCKET_NATS_PASSWORD, and the password a user")
	}
	if (c.APITLSCert != "") != (c.APITLSKey != "") {
		bad("api_tls_cert", "a certificate needs api_tls_key, and the key a certificate")
	}
	if c.APIClientCA != "" && c.APITLSCert == "" {
		bad("api_client_ca", "mutual TLS needs the API on TLS: set api_tls_cert and api_tls_key")
	}
	if (c.NATSCertFile != "") != (c.NATSKeyFile != "") {
		bad("nats_cert_file", "a client certificate needs nats_key_file, and the key a certificate")
	}
	if strings.Contains(c.NATSURL, "@") {
		bad("nats_url", "holds credentials: set nats_user and DOCKET_NATS_PASSWORD instead, which are never printed")
	}
	if c.NATSListen != "off" {
		if err := checkAddr(c.NATSListen); err != nil {
			bad("nats_listen", "%v", err)
		}
	}
	if err := checkAddr(c.APIListen); err != nil {
		bad("api_listen", "%v", err)
	}
	if _, _, err := c.SyncPolicy(); err != nil {
		errs = append(errs, err)
	}
	if time.Duration(c.DuplicateWindow) < time.Second {
		bad("duplicate_window", "%s is shorter than 1s", time.Duration(c.DuplicateWindow))
	}
	if s := time.Duration(c.MaxClockSkew); s < time.Second || s > maxClockSkew {
		bad("max_clock_skew", "%s is not between 1s and %s", s, maxClockSkew)
	}
	if err := events.CheckToken(c.Instance); err != nil {
		bad("instance", "%v", err)
	}
	if kind, _, err := ParseStoreDSN(c.StoreDSN()); err == nil {
		if err := CheckPartitions(c.ProjectorPartitions, kind); err != nil {
			bad("projector_partitions", "%v", err)
		}
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		bad("stream_replicas", "%d is not between 1 and 5", c.StreamReplicas)
	}
	if c.Embedded() && c.StreamReplicas != 1 {
		bad("stream_replicas", "the embedded server keeps 1 replica; use nats_url for a cluster")
	}
	if c.MaxBatch < 1 || c.MaxBatch > 10000 {
		bad("max_batch", "%d is not between 1 and 10000", c.MaxBatch)
	}
	if c.Atomic() && c.MaxBatch > 1000 {
		bad("max_batch", "%d is more than the 1000 events an atomic append takes", c.MaxBatch)
	}
	if c.MaxRequestBytes < 64<<10 || c.MaxRequestBytes > 64<<20 {
		bad("max_request_bytes", "%d is not between 64 KiB and 64 MiB", c.MaxRequestBytes)
	}
	if _, _, err := ParseStoreDSN(c.StoreDSN()); err != nil {
		errs = append(errs, err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if _, err := checkpoint.Parse([]byte(checkpoint.Checkpoint{Origin: c.LogOrigin}.Text())); err != nil {
		bad("log_origin", "%v", err)
	}
	if c.CheckpointEvery < 1 || c.CheckpointEvery > 10_000_000 {
		bad("checkpoint_every", "%d is not between 1 and 10000000", c.CheckpointEvery)
	}
	if time.Duration(c.CheckpointInterval) < 100*time.Millisecond {
		bad("checkpoint_interval", "%s is shorter than 100ms", time.Duration(c.CheckpointInterval))
	}
	if !(c.RateLimit > 0 && c.RateLimit <= 1e6) {
		bad("rate_limit", "%g is not between 0 (excluded) and 1000000 calls per second", c.RateLimit)
	}
	if c.RateBurst < 1 || c.RateBurst > 1e6 {
		bad("rate_burst", "%d is not between 1 and 1000000", c.RateBurst)
	}
	if time.Duration(c.Art19Due) < time.Second {
		bad("art19_due", "%s is shorter than 1s", time.Duration(c.Art19Due))
	}
	if e := time.Duration(c.RetentionEvery); e < time.Second || e > 24*time.Hour {
		bad("retention_every", "%s is not between 1s and 24h", e)
	}
	if l := time.Duration(c.RetentionLead); l < time.Duration(c.RetentionEvery) || l > 7*24*time.Hour {
		bad("retention_lead", "%s is shorter than retention_every (%s) or longer than 168h: data would outlive its retention between passes, or go a week early",
			l, time.Duration(c.RetentionEvery))
	}
	for i, k := range c.WitnessKeys {
		if _, err := checkpoint.NewVerifier(k); err != nil {
			bad(fmt.Sprintf("witness_keys[%d]", i), "%v", err)
		}
	}
	return errors.Join(errs...)
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if host == "" {
		return fmt.Errorf("%q has no host: name the interface, e.g. 127.0.0.1", addr)
	}
	var p int
	if _, err := fmt.Sscanf(port, "%d", &p); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

// Load reads the configuration from defaults, the JSON file named by
// --config or DOCKET_CONFIG, DOCKET_* environment variables and flags, in
// that order of precedence (flags win), and validates it.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Config{}
	path := getenv("DOCKET_CONFIG")
	for i, a := range args {
		switch {
		case (a == "--config" || a == "-config") && i+1 < len(args):
			path = args[i+1]
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "-config="):
			path = a[strings.Index(a, "=")+1:]
		}
	}
	if path != "" {
		if err := c.readFile(path); err != nil {
			return Config{}, err
		}
	}
	c.setDefaults()

	fs := flag.NewFlagSet("docketd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("config", path, "JSON configuration file (env DOCKET_CONFIG)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the embedded store and keys")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "external NATS server or cluster (empty: embedded)")
	fs.StringVar(&c.NATSListen, "nats-listen", c.NATSListen, `embedded NATS client address, such as 127.0.0.1:4222 (clients log in: docket tail as the reader), or "off"`)
	fs.StringVar(&c.APIListen, "api-listen", c.APIListen, "Connect API address (gRPC, gRPC-Web, JSON)")
	fs.StringVar(&c.Sync, "sync", c.Sync, `embedded fsync policy: "always" (before every ack) or a period such as 2m`)
	fs.Var(&c.DuplicateWindow, "duplicate-window", "how long a retried append is recognised")
	fs.Var(&c.MaxClockSkew, "max-clock-skew", "how far after its receipt an event's occurred_at may lie")
	fs.IntVar(&c.StreamReplicas, "stream-replicas", c.StreamReplicas, "replicas of the events stream")
	fs.IntVar(&c.ProjectorPartitions, "projector-partitions", c.ProjectorPartitions, "projectors sharing a PostgreSQL/CockroachDB store, one per partition of the data subjects")
	fs.StringVar(&c.Instance, "instance", c.Instance, "this replica's name, unique among the docketd sharing one NATS (default: the host name)")
	fs.StringVar(&c.Store, "store", c.Store, "read-model store: sqlite:PATH or a postgres:// URL (default sqlite:DATA_DIR/readmodels.db)")
	fs.StringVar(&c.KEKFile, "kek-file", c.KEKFile, "key-encryption key file (default DATA_DIR/keys/kek; env DOCKET_KEK holds the key itself instead)")
	fs.StringVar(&c.PreviousKEKFile, "previous-kek-file", c.PreviousKEKFile, "the key-encryption key being rotated away from (during docket keys rotate-kek)")
	fs.BoolVar(c.AtomicAppend, "atomic-append", *c.AtomicAppend, "store each API batch as one atomic write (one fsync per batch)")
	fs.IntVar(&c.MaxBatch, "max-batch", c.MaxBatch, "most events in one Append request")
	fs.IntVar(&c.MaxRequestBytes, "max-request-bytes", c.MaxRequestBytes, "largest API request")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo data set at start")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.LogOrigin, "log-origin", c.LogOrigin, "the log's name in its signed checkpoints")
	fs.StringVar(&c.NotaryKeyFile, "notary-key-file", c.NotaryKeyFile, "the notary's signing key (default DATA_DIR/keys/notary.key; env DOCKET_NOTARY_KEY holds the key itself instead)")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", c.CheckpointEvery, "sign a checkpoint at least every this many events")
	fs.Var(&c.CheckpointInterval, "checkpoint-interval", "and at least this often while events arrive")
	fs.StringVar(&c.NATSUser, "nats-user", c.NATSUser, "user to log in to an external NATS server as (password: env DOCKET_NATS_PASSWORD)")
	fs.StringVar(&c.NATSCAFile, "nats-ca-file", c.NATSCAFile, "CA certificate (PEM) that signed the NATS server's certificate")
	fs.StringVar(&c.NATSCertFile, "nats-cert-file", c.NATSCertFile, "docketd's client certificate (PEM) for a NATS server that requires TLS")
	fs.StringVar(&c.NATSKeyFile, "nats-key-file", c.NATSKeyFile, "the client certificate's key (PEM)")
	fs.StringVar(&c.APITLSCert, "api-tls-cert", c.APITLSCert, "serve the API over HTTPS with this certificate (PEM)")
	fs.StringVar(&c.APITLSKey, "api-tls-key", c.APITLSKey, "the certificate's key (PEM)")
	fs.StringVar(&c.APIClientCA, "api-client-ca", c.APIClientCA, "CA (PEM) whose client certificates authenticate services (mutual TLS)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "API calls per second each token may make, sustained")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "API calls each token may make at once")
	fs.Var(&c.Art19Due, "art19-due", "how long recipients have to be told of a rectification, erasure or restriction (Art. 19)")
	fs.Var(&c.RetentionEvery, "retention-every", "how often the retention scheduler runs")
	fs.Var(&c.RetentionLead, "retention-lead", "erase data whose retention runs out within this, on the pass before")
	fs.Var((*stringList)(&c.WitnessKeys), "witness-key", "a witness's verifier key whose cosignatures are accepted (repeat, or comma-separate)")

	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := "DOCKET_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && f.Name != "config" {
			if err := fs.Set(f.Name, v); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	if err := errors.Join(envErrs...); err != nil {
		return Config{}, err
	}
	c.NotaryKey = getenv("DOCKET_NOTARY_KEY")
	c.NATSPassword = getenv("DOCKET_NATS_PASSWORD")
	c.KEK = getenv("DOCKET_KEK")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) readFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) == nil {
		if _, ok := fields["controllers"]; ok {
			return fmt.Errorf("config file %s: %w", path, ErrControllersSetting)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// ErrControllersSetting: a config file still has the controllers setting,
// which the tenant's controller profile replaced.
var ErrControllersSetting = errors.New("controllers: is no longer a setting: receipts and every other document take the controller's identity " +
	"from the tenant's controller profile (a ControllerProfileDeclared event in the ledger); declare it there and remove controllers from the file")

// maxClockSkew bounds max_clock_skew: further ahead than this, an
// occurred_at is not a clock running fast but a mistake.
const maxClockSkew = 30 * 24 * time.Hour

// Duration is a time.Duration written as text ("2m") in JSON and flags.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// Set parses a flag or environment value.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 2m", s)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalJSON reads "2m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"2m\"")
	}
	return d.Set(s)
}

// MarshalJSON writes "2m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// stringList is a repeatable, comma-separated list flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends the comma-separated values of s.
func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// hostInstance is the default instance name: the host name made a NATS
// token (letters, digits, '-' and '_'), or "docketd".
func hostInstance() string {
	h, _ := os.Hostname()
	h = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, h)
	if h == "" || len(h) > 64 {
		return "docketd"
	}
	return h
}

// CheckPartitions checks a number of projector partitions for a store of
// kind ("sqlite" or "postgres"): 1 to 256, more than 1 only for a store
// several projectors can write at once.
func CheckPartitions(n int, kind string) error {
	switch {
	case n < 1 || n > 256:
		return fmt.Errorf("%d is not between 1 and 256", n)
	case n > 1 && kind == "sqlite":
		return errors.New("partitions need a store several projectors write at once (a postgres:// URL); SQLite has one writer")
	}
	return nil
}
