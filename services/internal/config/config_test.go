package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "docketd.json")
	if err := os.WriteFile(file, []byte(`{"data_dir":"/from/file","api_listen":"127.0.0.1:1111","sync":"always","duplicate_window":"10m"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(
		[]string{"--config", file, "--api-listen", "127.0.0.1:3333"},
		env(map[string]string{"DOCKET_API_LISTEN": "127.0.0.1:2222", "DOCKET_LOG_LEVEL": "debug"}),
		io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, got, want string }{
		{"data_dir from file", c.DataDir, "/from/file"},
		{"api_listen from flag over env and file", c.APIListen, "127.0.0.1:3333"},
		{"log_level from env", c.LogLevel, "debug"},
		{"sync from file", c.Sync, "always"},
		{"nats_listen default", c.NATSListen, "off"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if time.Duration(c.DuplicateWindow) != 10*time.Minute {
		t.Errorf("duplicate_window = %s", c.DuplicateWindow)
	}
	if time.Duration(c.MaxClockSkew) != 24*time.Hour {
		t.Errorf("max_clock_skew = %s, want the default 24h", c.MaxClockSkew)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		file string
	}{
		{"flag", []string{"--max-clock-skew", "90m"}, nil, ""},
		{"env", nil, map[string]string{"DOCKET_MAX_CLOCK_SKEW": "90m"}, ""},
		{"file", nil, nil, `{"max_clock_skew":"90m"}`},
	} {
		args := tc.args
		if tc.file != "" {
			f := filepath.Join(t.TempDir(), "skew.json")
			if err := os.WriteFile(f, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--config", f)
		}
		c, err := config.Load(args, env(tc.env), io.Discard)
		if err != nil {
			t.Fatalf("max_clock_skew from %s: %v", tc.name, err)
		}
		if time.Duration(c.MaxClockSkew) != 90*time.Minute {
			t.Errorf("max_clock_skew from %s = %s, want 1h30m0s", tc.name, c.MaxClockSkew)
		}
	}
	if c.KEKPath() != "/from/file/keys/kek" {
		t.Errorf("KEKPath = %s", c.KEKPath())
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := config.Load([]string{
		"--api-listen", "7070", "--sync", "sometimes", "--max-batch", "0", "--log-level", "loud",
		"--nats-url", "http://x", "--stream-replicas", "9",
	}, env(nil), io.Discard)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"api_listen", "sync", "max_batch", "log_level", "nats_url", "stream_replicas"} {
		if !strings.Contains(err.Error(), want+":") {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestLoadRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.json")
	_ = os.WriteFile(unknown, []byte(`{"data_dri":"x"}`), 0o600)
	badCtl := filepath.Join(dir, "controllers.json")
	_ = os.WriteFile(badCtl, []byte(`{"controllers":{"acme":{"name":"Acme Ltd","email":"dpo@acme.example"}}}`), 0o600)
	badDur := filepath.Join(dir, "dur.json")
	_ = os.WriteFile(badDur, []byte(`{"duplicate_window":120}`), 0o600)
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"unknown file field", []string{"--config", unknown}, nil, `unknown field "data_dri"`},
		{"duration as number", []string{"--config", badDur}, nil, "duration must be a string"},
		// The controllers setting went: the controller profile replaces it.
		{"controllers setting", []string{"--config", badCtl}, nil, "controllers: is no longer a setting: receipts and every other document take the controller's identity from the tenant's controller profile"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json")}, nil, "config file"},
		{"bad env", nil, map[string]string{"DOCKET_MAX_BATCH": "lots"}, "DOCKET_MAX_BATCH"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"unknown flag", []string{"--frobnicate"}, nil, "frobnicate"},
		{"embedded with replicas", []string{"--stream-replicas", "3"}, nil, "embedded server keeps 1 replica"},
		{"nats user embedded", []string{"--nats-user", "docketd"}, nil, "nats_user: NATS credentials and TLS files are for an external server"},
		{"nats user without password", []string{"--nats-url", "nats://n:4222", "--nats-user", "docketd"}, nil, "nats_user: a user needs DOCKET_NATS_PASSWORD"},
		{"nats password in url", []string{"--nats-url", "nats://docketd:secret@n:4222"}, nil, "nats_url: holds credentials"},
		{"nats cert without key", []string{"--nats-url", "tls://n:4222", "--nats-cert-file", "c.pem"}, nil, "nats_cert_file: a client certificate needs nats_key_file"},
		{"rate limit", []string{"--rate-limit", "-1"}, nil, "rate_limit:"},
		{"clock skew too short", []string{"--max-clock-skew", "500ms"}, nil, "max_clock_skew: 500ms is not between 1s and 720h0m0s"},
		{"clock skew negative", nil, map[string]string{"DOCKET_MAX_CLOCK_SKEW": "-1h"}, "max_clock_skew: -1h0m0s is not between 1s and 720h0m0s"},
		{"clock skew too long", []string{"--max-clock-skew", "721h"}, nil, "max_clock_skew: 721h0m0s is not between 1s and 720h0m0s"},
		{"retention every too short", []string{"--retention-every", "10ms"}, nil, "retention_every: 10ms is not between 1s and 24h"},
		{"retention lead under every", []string{"--retention-every", "1h", "--retention-lead", "30m"}, nil, "retention_lead: 30m0s is shorter than retention_every"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(tc.args, env(tc.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestDefaultsAreValid(t *testing.T) {
	c := config.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.Embedded() || c.APIListen != "127.0.0.1:7070" || c.DataDir != "data" || c.Sync != "always" || !c.Atomic() {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestStoreDefaultFollowsDataDir(t *testing.T) {
	c, err := config.Load([]string{"--data-dir", "/srv/docket"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.StoreDSN(); got != "sqlite:/srv/docket/readmodels.db" {
		t.Fatalf("StoreDSN = %q", got)
	}
	if _, err := config.Load([]string{"--store", "mysql://x"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "store:") {
		t.Fatalf("a bad store: err = %v", err)
	}
}
