package cli_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/testkit/tlstest"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// natsPass is the operator's password on the servers of these tests; no
// output of the CLI may contain it.
const natsPass = "Pw9opNatsSecret4tests"

// lockedNATS starts a real JetStream server that refuses every client but
// user operator with natsPass, as deploy/nats does; with tc, only over TLS.
func lockedNATS(t *testing.T, tc *tls.Config) *server.Server {
	t.Helper()
	return natstest.Start(t, func(o *server.Options) {
		o.Users = []*server.User{{Username: "operator", Password: natsPass}}
		if tc != nil {
			o.TLSConfig, o.TLSTimeout = tc, 5
			o.TLSVerify = tc.ClientAuth == tls.RequireAndVerifyClientCert
		}
	})
}

// seedDocket logs in as operator and stores one event on DOCKET and an
// empty key bucket; it returns the event as stored.
func seedDocket(t *testing.T, s *server.Server, opts ...nats.Option) []byte {
	t.Helper()
	ctx := context.Background()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.UserInfo("operator", natsPass)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := events.EnsureStream(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	ev := collected("s-1")
	ev.GetDataCollected().Values = nil // the rebuild refuses plaintext; sealing needs docketd's keys
	data, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, events.Subject(ev), data); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.NewKVStore(ctx, js, keys.KVConfig{}); err != nil {
		t.Fatal(err)
	}
	return data
}

// runNATS runs docket and fails the test if its output holds natsPass.
func runNATS(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr = run(t, args...)
	if strings.Contains(stdout+stderr, natsPass) {
		t.Fatalf("docket %s printed the password:\n%s%s", strings.Join(args, " "), stdout, stderr)
	}
	return code, stdout, stderr
}

// natsCommands are the four commands that connect to NATS, each with the
// arguments it needs against a server seeded by seedDocket, and what it
// prints on success.
func natsCommands(t *testing.T, stored []byte) []struct {
	name string
	args []string
	want string
} {
	t.Helper()
	dir := t.TempDir()
	signer, vkey := newLogKey(t, "docket-test")
	cpFile := writeCheckpoint(t, signer, checkpoint.Checkpoint{Origin: "docket-test", Size: 1, Root: checkpoint.LeafHash(stored)})
	oldKEK, newKEK := filepath.Join(dir, "kek-1"), filepath.Join(dir, "kek-2")
	for _, f := range []string{oldKEK, newKEK} {
		if code, _, errOut := run(t, "keys", "generate-kek", "--out", f); code != 0 {
			t.Fatal(errOut)
		}
	}
	return []struct {
		name string
		args []string
		want string
	}{
		{"tail", []string{"tail", "--from", "1", "--follow=false"}, `"subject_ref":"s-1"`},
		{"projections rebuild", []string{"projections", "rebuild", "--quiet", "--store", "sqlite:" + filepath.Join(dir, "readmodels.db")}, "read models rebuilt"},
		{"verify log", []string{"verify", "log", "--quiet", "--checkpoint", cpFile, "--key", vkey}, "OK: the stream's first 1 events match"},
		{"keys rotate-kek", []string{"keys", "rotate-kek", "--old-kek-file", oldKEK, "--new-kek-file", newKEK}, "rewrapped: 0"},
	}
}

// TestNATSLogin: against a server that wants a user and password, each of
// the four commands that connect to NATS fails without them, naming
// --nats-user and DOCKET_NATS_PASSWORD, and works with --nats-user and the
// password in DOCKET_NATS_PASSWORD. A wrong password is refused as such, a
// URL with user:password still works, and the password is never printed.
func TestNATSLogin(t *testing.T) {
	s := lockedNATS(t, nil)
	stored := seedDocket(t, s)
	url := s.ClientURL()
	for _, c := range natsCommands(t, stored) {
		t.Run(c.name, func(t *testing.T) {
			args := slices.Concat(c.args, []string{"--nats-url", url})
			t.Setenv("DOCKET_NATS_PASSWORD", natsPass) // no --nats-user: not used
			code, _, errOut := runNATS(t, args...)
			if code != cli.ExitFailure || !strings.Contains(errOut, "Authorization Violation") ||
				!strings.Contains(errOut, "give --nats-user, and the password in DOCKET_NATS_PASSWORD") {
				t.Fatalf("without a user: exit %d: %s", code, errOut)
			}
			t.Setenv("DOCKET_NATS_PASSWORD", "wrong-"+natsPass[:4])
			code, _, errOut = runNATS(t, slices.Concat(args, []string{"--nats-user", "operator"})...)
			if code != cli.ExitFailure || !strings.Contains(errOut, "wrong user or password: check --nats-user and DOCKET_NATS_PASSWORD") || strings.Contains(errOut, "wrong-") {
				t.Fatalf("a wrong password: exit %d: %s", code, errOut)
			}
			t.Setenv("DOCKET_NATS_PASSWORD", natsPass)
			code, out, errOut := runNATS(t, slices.Concat(args, []string{"--nats-user", "operator"})...)
			if code != 0 || !strings.Contains(out, c.want) {
				t.Fatalf("with --nats-user and DOCKET_NATS_PASSWORD: exit %d: %s%s", code, out, errOut)
			}
		})
	}
	// TLS asked for of a server without it.
	t.Setenv("DOCKET_NATS_PASSWORD", natsPass)
	caFile := tlstest.Write(t, t.TempDir(), "ca.pem", tlstest.NewCA(t).PEM)
	if code, _, errOut := runNATS(t, "tail", "--nats-url", url, "--nats-user", "operator", "--nats-ca-file", caFile); code != cli.ExitFailure ||
		!strings.Contains(errOut, "secure connection not available") || !strings.Contains(errOut, "(the server offers no TLS)") {
		t.Fatalf("--nats-ca-file for a server without TLS: exit %d: %s", code, errOut)
	}
	// The password in the URL still works (as before --nats-user).
	inURL := strings.Replace(url, "://", "://operator:"+natsPass+"@", 1)
	if code, out, errOut := run(t, "tail", "--nats-url", inURL, "--from", "1"); code != 0 || !strings.Contains(out, `"subject_ref":"s-1"`) {
		t.Fatalf("user:password in --nats-url: exit %d: %s%s", code, out, errOut)
	}
	// ... and a wrong one there is not echoed back.
	badURL := strings.Replace(url, "://", "://operator:Wr0ngUrlPass@", 1)
	if code, _, errOut := run(t, "tail", "--nats-url", badURL, "--from", "1"); code != cli.ExitFailure ||
		strings.Contains(errOut, "Wr0ngUrlPass") || !strings.Contains(errOut, "operator:xxxxx@") || !strings.Contains(errOut, "wrong user or password") {
		t.Fatalf("a wrong password in --nats-url: exit %d: %s", code, errOut)
	}
}

// TestNATSOverTLS: a server that requires TLS, its certificate signed by a
// private CA. Without --nats-ca-file the error names the untrusted
// certificate and the flag; with it every command works; a CA that did not
// sign the server's certificate is refused. A server that also wants a
// client certificate takes --nats-cert-file and --nats-key-file.
func TestNATSOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca, otherCA := tlstest.NewCA(t), tlstest.NewCA(t)
	sc, sk := ca.Issue(t, "nats", true)
	caFile := tlstest.Write(t, dir, "ca.pem", ca.PEM)
	otherFile := tlstest.Write(t, dir, "other-ca.pem", otherCA.PEM)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.PEM)

	s := lockedNATS(t, &tls.Config{Certificates: []tls.Certificate{tlstest.Pair(t, sc, sk)}, MinVersion: tls.VersionTLS12})
	stored := seedDocket(t, s, nats.Secure(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	t.Setenv("DOCKET_NATS_PASSWORD", natsPass)
	login := []string{"--nats-url", s.ClientURL(), "--nats-user", "operator"}
	tail := slices.Concat([]string{"tail", "--from", "1", "--follow=false"}, login)

	code, _, errOut := runNATS(t, tail...)
	if code != cli.ExitFailure || !strings.Contains(errOut, "certificate signed by unknown authority") ||
		!strings.Contains(errOut, "give the CA that signed it with --nats-ca-file") {
		t.Fatalf("without --nats-ca-file: exit %d: %s", code, errOut)
	}
	code, _, errOut = runNATS(t, slices.Concat(tail, []string{"--nats-ca-file", otherFile})...)
	if code != cli.ExitFailure || !strings.Contains(errOut, "does not verify with --nats-ca-file") {
		t.Fatalf("another CA in --nats-ca-file: exit %d: %s", code, errOut)
	}
	for _, c := range natsCommands(t, stored) {
		code, out, errOut := runNATS(t, slices.Concat(c.args, login, []string{"--nats-ca-file", caFile})...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Fatalf("%s with --nats-ca-file: exit %d: %s%s", c.name, code, out, errOut)
		}
	}

	// Mutual TLS: the server also wants a client certificate from ca.
	mtls := lockedNATS(t, &tls.Config{Certificates: []tls.Certificate{tlstest.Pair(t, sc, sk)}, MinVersion: tls.VersionTLS12,
		ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	cc, ck := ca.Issue(t, "docket-cli", false)
	certFile, keyFile := tlstest.Write(t, dir, "client.pem", cc), tlstest.Write(t, dir, "client-key.pem", ck)
	seedDocket(t, mtls, nats.Secure(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{tlstest.Pair(t, cc, ck)}, MinVersion: tls.VersionTLS12}))
	mtail := []string{"tail", "--from", "1", "--follow=false", "--nats-url", mtls.ClientURL(), "--nats-user", "operator", "--nats-ca-file", caFile}
	// The server's refusal reaches the client as its alert ("tls:
	// certificate required") or, depending on timing, as a connection
	// closed after the handshake.
	if code, _, errOut := runNATS(t, mtail...); code != cli.ExitFailure || !strings.Contains(errOut, "client certificate? give --nats-cert-file and --nats-key-file") {
		t.Fatalf("mutual TLS without a client certificate: exit %d: %s", code, errOut)
	}
	if code, out, errOut := runNATS(t, slices.Concat(mtail, []string{"--nats-cert-file", certFile, "--nats-key-file", keyFile})...); code != 0 || !strings.Contains(out, `"subject_ref":"s-1"`) {
		t.Fatalf("mutual TLS with --nats-cert-file and --nats-key-file: exit %d: %s%s", code, out, errOut)
	}
}

// TestNATSFlagsAreValidated: each bad NATS flag is an error naming the flag
// and why, in all four commands, before anything connects; the password
// is never printed, not even from a URL that does not parse.
func TestNATSFlagsAreValidated(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t)
	cc, ck := ca.Issue(t, "docket-cli", false)
	certFile, keyFile := tlstest.Write(t, dir, "client.pem", cc), tlstest.Write(t, dir, "client-key.pem", ck)
	notPEM := tlstest.Write(t, dir, "not.pem", []byte("not a certificate"))
	missing := filepath.Join(dir, "missing.pem")
	// Nothing listens here: a check that let a bad flag through would
	// fail with "no servers available" instead.
	url := "nats://127.0.0.1:1"
	commands := map[string][]string{
		"tail":                {"tail"},
		"projections rebuild": {"projections", "rebuild", "--store", "sqlite:" + filepath.Join(dir, "rm.db")},
		"verify log":          {"verify", "log", "--checkpoint", missing, "--key", "k"},
		"keys rotate-kek":     {"keys", "rotate-kek", "--old-kek-file", missing, "--new-kek-file", missing},
	}
	for _, tc := range []struct {
		name    string
		env     string // DOCKET_NATS_PASSWORD
		args    []string
		wantErr []string
	}{
		{"user without password", "", []string{"--nats-url", url, "--nats-user", "operator"},
			[]string{"--nats-user: needs the user's password in the environment variable DOCKET_NATS_PASSWORD"}},
		{"user twice", natsPass, []string{"--nats-url", "nats://operator:" + natsPass + "@127.0.0.1:1", "--nats-user", "operator"},
			[]string{"--nats-user: --nats-url names a user already"}},
		{"URL that does not parse", "", []string{"--nats-url", "nats://operator:" + natsPass + "%zz@127.0.0.1:1"},
			[]string{"--nats-url: not a URL"}},
		{"unreadable CA file", "", []string{"--nats-url", url, "--nats-ca-file", missing},
			[]string{"--nats-ca-file: open " + missing + ": no such file or directory"}},
		{"CA file without a certificate", "", []string{"--nats-url", url, "--nats-ca-file", notPEM},
			[]string{"--nats-ca-file: no PEM certificate in " + notPEM}},
		{"certificate without key", "", []string{"--nats-url", url, "--nats-cert-file", certFile},
			[]string{"--nats-cert-file: a client certificate needs its key: give --nats-key-file"}},
		{"key without certificate", "", []string{"--nats-url", url, "--nats-key-file", keyFile},
			[]string{"--nats-key-file: a key needs its certificate: give --nats-cert-file"}},
		{"certificate and key that do not load", "", []string{"--nats-url", url, "--nats-cert-file", notPEM, "--nats-key-file", keyFile},
			[]string{"--nats-cert-file, --nats-key-file: tls: failed to find any PEM data in certificate input"}},
		{"every problem at once", "", []string{"--nats-url", url, "--nats-user", "operator", "--nats-ca-file", notPEM, "--nats-key-file", keyFile},
			[]string{"--nats-user: needs", "--nats-ca-file: no PEM", "--nats-key-file: a key needs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DOCKET_NATS_PASSWORD", tc.env)
			for name, cmd := range commands {
				code, _, errOut := runNATS(t, slices.Concat(cmd, tc.args)...)
				if code != cli.ExitFailure || strings.Contains(errOut, "no servers available") {
					t.Errorf("docket %s: exit %d: %s", name, code, errOut)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(errOut, want) {
						t.Errorf("docket %s: stderr %q, want %q", name, errOut, want)
					}
				}
			}
		})
	}
	// rotate-kek on the embedded store (--data-dir) takes no login.
	_, _, errOut := runNATS(t, "keys", "rotate-kek", "--data-dir", dir, "--nats-user", "operator", "--nats-ca-file", notPEM, "--old-kek-file", missing, "--new-kek-file", missing)
	for _, want := range []string{"--nats-user: only with --nats-url", "--nats-ca-file: only with --nats-url"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("rotate-kek --data-dir with NATS flags: %q, want %q", errOut, want)
		}
	}
	// The help says where the password goes.
	_, help, _ := run(t, "tail", "-h")
	if !strings.Contains(help, "-nats-user") || !strings.Contains(help, "environment variable DOCKET_NATS_PASSWORD, never from the command line") {
		t.Errorf("docket tail -h:\n%s", help)
	}
	if _, err := os.Stat(filepath.Join(dir, "rm.db")); err == nil {
		t.Error("projections rebuild created its store despite a bad NATS flag")
	}
}

// A user allowed to subscribe to inboxes of its own only (deploy/nats's
// tail: _INBOX_tail.>) gets no reply on nats.go's default inbox; with
// --nats-inbox-prefix it does. A bad prefix is refused by name.
func TestNATSInboxPrefix(t *testing.T) {
	const tailPass = "Tail9pw4tests"
	s := natstest.Start(t, func(o *server.Options) {
		o.Users = []*server.User{
			{Username: "operator", Password: natsPass},
			{Username: "tail", Password: tailPass, Permissions: &server.Permissions{
				Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX_tail.>"}},
			}},
		}
	})
	seedDocket(t, s)
	t.Setenv("DOCKET_NATS_PASSWORD", tailPass)
	tail := []string{"tail", "--from", "1", "--follow=false", "--nats-url", s.ClientURL(), "--nats-user", "tail"}
	if code, out, _ := runNATS(t, tail...); code == 0 || strings.Contains(out, `"subject_ref":"s-1"`) {
		t.Fatalf("tail on the default inbox: exit %d, %q; want a refusal", code, out)
	}
	if code, out, errOut := runNATS(t, slices.Concat(tail, []string{"--nats-inbox-prefix", "_INBOX_tail"})...); code != 0 || !strings.Contains(out, `"subject_ref":"s-1"`) {
		t.Fatalf("tail with --nats-inbox-prefix _INBOX_tail: exit %d\n%s%s", code, out, errOut)
	}
	for _, bad := range []string{"", "_INBOX.", "_INBOX.*", "a..b", "in box"} {
		code, _, errOut := runNATS(t, slices.Concat(tail, []string{"--nats-inbox-prefix", bad})...)
		if code == 0 || !strings.Contains(errOut, "--nats-inbox-prefix") {
			t.Errorf("--nats-inbox-prefix %q: exit %d, %q; want an error naming the flag", bad, code, errOut)
		}
	}
}
