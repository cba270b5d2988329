package natsperm_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/notary"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// The embedded server's users, as package natsembed defines them: docketd,
// the read-only reader and an emitter's API token. These tests run a
// whole docketd on its embedded server with the TCP listener on, connect
// as each kind of client, and show every forbidden operation refused.

// embeddedDocketd starts docketd on the embedded server with the listener
// on a free loopback port, and one event stored.
func embeddedDocketd(t *testing.T) *docketdtest.Docketd {
	t.Helper()
	c := docketdtest.Config(t)
	c.NATSListen = "127.0.0.1:0"
	c.CheckpointEvery = 1
	c.CheckpointInterval = config.Duration(100 * time.Millisecond)
	d := docketdtest.Start(t, c, docketdtest.WithTimeout(30*time.Second))
	ev := dataCollected("acme", "user-1")
	ev.Source = "crm"
	if _, err := d.Emitter.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return d
}

// password reads user's password file in the daemon's data dir.
func password(t *testing.T, d *docketdtest.Docketd, user string) string {
	t.Helper()
	p, err := natsembed.ReadPassword(natsembed.PasswordFile(d.DataDir(), user))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dialEmbedded connects to url with opts, collecting the server's
// asynchronous errors (permission violations) as dial does.
func dialEmbedded(url string, opts ...nats.Option) (*client, error) {
	c := &client{errs: make(chan error, 64)}
	all := append([]nats.Option{
		nats.Name("natsperm-embedded"),
		nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}),
	}, opts...)
	nc, err := nats.Connect(url, all...)
	if err != nil {
		return nil, err
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func connectEmbedded(t *testing.T, url string, opts ...nats.Option) *client {
	t.Helper()
	c, err := dialEmbedded(url, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(c.nc.Close)
	return c
}

// tokenID is the id part of an API token (dkt_<id>_<secret>).
func tokenID(t *testing.T, secret string) string {
	t.Helper()
	id, _, ok := strings.Cut(strings.TrimPrefix(secret, "dkt_"), "_")
	if !ok {
		t.Fatalf("not a token")
	}
	return id
}

// tokenLogin logs in with an emitter's API token (events.TokenLogin).
func tokenLogin(t *testing.T, token string) []nats.Option {
	t.Helper()
	opts, err := events.TokenLogin(token)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// TestEmbeddedServerRefusesAnonymousClients: with the listener on, no
// client connects without credentials docketd knows: anonymous, a wrong
// password for either user, an unknown user, a token that is not an
// emitter's, a malformed token, and a docketd password offered as a
// token.
func TestEmbeddedServerRefusesAnonymousClients(t *testing.T) {
	d := embeddedDocketd(t)
	url := d.NATSURL()
	if url == "" {
		t.Fatal("no NATS listener")
	}
	ctx := ctxT(t)
	auditor, err := d.NewToken(ctx, auth.Spec{Name: "auditor", Roles: []auth.Role{auth.Auditor}, Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := d.NewToken(ctx, auth.Spec{Name: "admin", Roles: []auth.Role{auth.Admin, auth.Auditor, auth.Legal, auth.DPO}, Tenant: auth.AllTenants})
	if err != nil {
		t.Fatal(err)
	}
	docketdPass, readerPass := password(t, d, natsembed.DocketdUser), password(t, d, natsembed.ReaderUser)
	for _, tc := range []struct {
		name string
		opts []nats.Option
	}{
		{"anonymous", nil},
		{"docketd, wrong password", []nats.Option{nats.UserInfo(natsembed.DocketdUser, docketdPass[:len(docketdPass)-1]+"x")}},
		{"docketd, no password", []nats.Option{nats.UserInfo(natsembed.DocketdUser, "")}},
		{"reader, wrong password", []nats.Option{nats.UserInfo(natsembed.ReaderUser, "wrong")}},
		{"reader with docketd's password", []nats.Option{nats.UserInfo(natsembed.ReaderUser, docketdPass)}},
		{"unknown user with docketd's password", []nats.Option{nats.UserInfo("operator", docketdPass)}},
		{"an auditor's token", []nats.Option{nats.Token(auditor)}},
		{"an admin's token", []nats.Option{nats.Token(admin)}},
		{"a malformed token", []nats.Option{nats.Token("dkt_nope")}},
		{"docketd's password as a token", []nats.Option{nats.Token(docketdPass)}},
		{"the reader's password as a token", []nats.Option{nats.Token(readerPass)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialEmbedded(url, tc.opts...)
			if err == nil {
				c.nc.Close()
				t.Fatal("connected; want refused")
			}
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Fatalf("got %v; want an authorization violation", err)
			}
		})
	}
	// docketd's own user, over the network too.
	op := connectEmbedded(t, url, nats.UserInfo(natsembed.DocketdUser, docketdPass))
	if _, err := op.js.Stream(ctx, events.DefaultStream); err != nil {
		t.Fatalf("docketd: %v", err)
	}
}

// TestEmbeddedReader: the reader reads the events stream and the
// checkpoints with the CLI's own code paths (docket tail, docket verify
// log, docket projections rebuild, each logging in from --data-dir), and
// is refused every write, every stream administration, the KV buckets,
// docketd's sagas' consumers and every subscription but its own inboxes.
func TestEmbeddedReader(t *testing.T) {
	d := embeddedDocketd(t)
	url, dir := d.NATSURL(), d.DataDir()
	ctx := ctxT(t)
	r := connectEmbedded(t, url, nats.UserInfo(natsembed.ReaderUser, password(t, d, natsembed.ReaderUser)),
		nats.CustomInboxPrefix(natsembed.ReaderInbox))

	t.Run("tail", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := cli.Exec(ctx, []string{"tail", "--nats-url", url, "--data-dir", dir, "--from", "1", "--follow=false"}, &out, &errOut)
		if err != nil || !strings.Contains(out.String(), `"subject_ref":"user-1"`) {
			t.Fatalf("docket tail: %v: %s%s", err, out.String(), errOut.String())
		}
	})
	t.Run("tail with another docketd's data dir", func(t *testing.T) {
		other := t.TempDir()
		wrong := strings.Repeat("ab", 32)
		if err := os.MkdirAll(filepath.Join(other, "keys"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(natsembed.PasswordFile(other, natsembed.ReaderUser), []byte(wrong+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := cli.Exec(ctx, []string{"tail", "--nats-url", url, "--data-dir", other, "--from", "1", "--follow=false"}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "the reader's password in --data-dir "+other+" was refused") || strings.Contains(err.Error(), wrong) {
			t.Fatalf("docket tail with a wrong reader password: %v", err)
		}
	})
	t.Run("verify log", func(t *testing.T) {
		cps, err := r.js.Stream(ctx, notary.DefaultCheckpointStream)
		if err != nil {
			t.Fatal(err)
		}
		var latest *notary.Published
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if latest, err = notary.Latest(ctx, cps); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the reader reads no checkpoint: %v", err)
			}
		}
		cpFile := filepath.Join(t.TempDir(), "cp")
		if err := os.WriteFile(cpFile, latest.Note, 0o600); err != nil {
			t.Fatal(err)
		}
		var vkey, out, errOut bytes.Buffer
		if err := cli.Exec(ctx, []string{"keys", "public", "--key-file", filepath.Join(dir, "keys", "notary.key")}, &vkey, &errOut); err != nil {
			t.Fatal(err)
		}
		err = cli.Exec(ctx, []string{"verify", "log", "--checkpoint", cpFile, "--key", strings.TrimSpace(vkey.String()), "--nats-url", url, "--data-dir", dir, "--quiet"}, &out, &errOut)
		if err != nil || !strings.HasPrefix(out.String(), "OK") {
			t.Fatalf("docket verify log: %v: %s%s", err, out.String(), errOut.String())
		}
	})
	t.Run("projections rebuild", func(t *testing.T) {
		var out, errOut bytes.Buffer
		store := "sqlite:" + filepath.Join(t.TempDir(), "readmodels.db")
		err := cli.Exec(ctx, []string{"projections", "rebuild", "--store", store, "--nats-url", url, "--data-dir", dir, "--quiet"}, &out, &errOut)
		if err != nil || !strings.Contains(out.String(), "rebuilt") {
			t.Fatalf("docket projections rebuild: %v: %s%s", err, out.String(), errOut.String())
		}
	})

	stream, err := r.js.Stream(ctx, events.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	refusedPub := []struct {
		name, subject string
		op            func(context.Context) error
	}{
		{"publish an event", "docket.acme.user-1.DataCollected", r.publish("docket.acme.user-1.DataCollected")},
		{"publish through JetStream", "docket.acme.user-1.DataCollected", r.jsPublish("docket.acme.user-1.DataCollected")},
		{"publish a checkpoint", notary.SignedPrefix + ".1", r.publish(notary.SignedPrefix + ".1")},
		{"delete the stream", "$JS.API.STREAM.DELETE.DOCKET", func(ctx context.Context) error {
			return r.js.DeleteStream(ctx, events.DefaultStream)
		}},
		{"purge the stream", "$JS.API.STREAM.PURGE.DOCKET", func(ctx context.Context) error { return stream.Purge(ctx) }},
		{"update the stream", "$JS.API.STREAM.UPDATE.DOCKET", func(ctx context.Context) error {
			cfg := stream.CachedInfo().Config
			cfg.DenyDelete = false
			_, err := r.js.UpdateStream(ctx, cfg)
			return err
		}},
		{"delete an event", "$JS.API.STREAM.MSG.DELETE.DOCKET", func(ctx context.Context) error { return stream.DeleteMsg(ctx, 1) }},
		{"delete the checkpoints", "$JS.API.STREAM.DELETE." + notary.DefaultCheckpointStream, func(ctx context.Context) error {
			return r.js.DeleteStream(ctx, notary.DefaultCheckpointStream)
		}},
		{"open the token bucket", "$JS.API.STREAM.INFO.KV_DOCKET_TOKENS", func(ctx context.Context) error {
			_, err := r.js.KeyValue(ctx, auth.DefaultBucket)
			return err
		}},
		{"open the key bucket", "$JS.API.STREAM.INFO.KV_DOCKET_KEYS", func(ctx context.Context) error {
			_, err := r.js.KeyValue(ctx, "DOCKET_KEYS")
			return err
		}},
		{"open the lease bucket", "$JS.API.STREAM.INFO.KV_DOCKET_LEASES", func(ctx context.Context) error {
			_, err := r.js.KeyValue(ctx, "DOCKET_LEASES")
			return err
		}},
		{"put a token", "$KV.DOCKET_TOKENS.forged", r.publish("$KV.DOCKET_TOKENS.forged")},
		{"put a data key", "$KV.DOCKET_KEYS.forged", r.publish("$KV.DOCKET_KEYS.forged")},
		{"get a token (direct get)", "$JS.API.DIRECT.GET.KV_DOCKET_TOKENS.$KV.DOCKET_TOKENS.x", func(ctx context.Context) error {
			_, err := r.nc.RequestWithContext(ctx, "$JS.API.DIRECT.GET.KV_DOCKET_TOKENS.$KV.DOCKET_TOKENS.x", nil)
			return err
		}},
		{"get a data key (msg get)", "$JS.API.STREAM.MSG.GET.KV_DOCKET_KEYS", func(ctx context.Context) error {
			_, err := r.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET.KV_DOCKET_KEYS", []byte(`{"seq":1}`))
			return err
		}},
		{"pull from the erasure saga's consumer", "$JS.API.CONSUMER.MSG.NEXT.DOCKET.docket-erasure", func(ctx context.Context) error {
			_, err := r.nc.RequestWithContext(ctx, "$JS.API.CONSUMER.MSG.NEXT.DOCKET.docket-erasure", []byte(`{"batch":1}`))
			return err
		}},
		{"delete the Art. 19 saga's consumer", "$JS.API.CONSUMER.DELETE.DOCKET.docket-art19", func(ctx context.Context) error {
			return r.js.DeleteConsumer(ctx, events.DefaultStream, "docket-art19")
		}},
		{"update the Art. 19 saga's consumer", "$JS.API.CONSUMER.CREATE.DOCKET.docket-art19", func(ctx context.Context) error {
			_, err := r.js.UpdateConsumer(ctx, events.DefaultStream, jetstream.ConsumerConfig{Durable: "docket-art19", AckPolicy: jetstream.AckExplicitPolicy})
			return err
		}},
		{"create a consumer by the legacy subject", "$JS.API.CONSUMER.CREATE.DOCKET", r.publish("$JS.API.CONSUMER.CREATE.DOCKET")},
		{"acknowledge for the erasure saga", "$JS.ACK.DOCKET.docket-erasure.1.1.1.0.0", r.publish("$JS.ACK.DOCKET.docket-erasure.1.1.1.0.0")},
		{"call the intake door", events.IntakeSubject("acme", "crm"), r.publish(events.IntakeSubject("acme", "crm"))},
	}
	for _, tc := range refusedPub {
		t.Run(tc.name, func(t *testing.T) { r.refused(t, "Publish", tc.subject, tc.op) })
	}
	for _, subject := range []string{"_INBOX.>", "docket.>", "$KV.DOCKET_TOKENS.>", "$KV.DOCKET_KEYS.>", events.IntakePrefix + ".>", ">"} {
		t.Run("subscribe to "+subject, func(t *testing.T) { r.refused(t, "Subscription", subject, r.subscribe(subject)) })
	}
	// The reader may create consumers, push consumers among them, whose
	// deliver subject no permission checks. JetStream refuses one that
	// delivers into the events stream (a cycle); this guards what the
	// rest relies on, nats-server's behaviour rather than this package's:
	// deliveries reach no KV bucket, and not docketd's intake door while it
	// is served by wildcard subscriptions only. (A push consumer delivers
	// only to a subject with a literal subscription: with one on the
	// door's subject, this test fails — checked.)
	t.Run("push consumers", func(t *testing.T) {
		dk := connectEmbedded(t, url, nats.UserInfo(natsembed.DocketdUser, password(t, d, natsembed.DocketdUser)))
		door := make(chan *nats.Msg, 8)
		if _, err := dk.nc.ChanSubscribe(events.IntakePrefix+".>", door); err != nil {
			t.Fatal(err)
		}
		if err := dk.nc.Flush(); err != nil {
			t.Fatal(err)
		}
		buckets := []string{"DOCKET_KEYS", "DOCKET_TOKENS", "DOCKET_LEASES"}
		if _, err := r.js.CreateOrUpdatePushConsumer(ctx, events.DefaultStream, jetstream.ConsumerConfig{DeliverSubject: "docket.acme.user-2.DataCollected"}); err == nil {
			t.Error("a push consumer delivering into the events stream was created")
		}
		targets := []string{events.IntakeSubject("acme", "crm")}
		for _, b := range buckets {
			targets = append(targets, "$KV."+b+".forged-by-reader")
		}
		for _, to := range targets {
			if _, err := r.js.CreateOrUpdatePushConsumer(ctx, events.DefaultStream, jetstream.ConsumerConfig{DeliverSubject: to, AckPolicy: jetstream.AckNonePolicy}); err != nil {
				t.Logf("push consumer to %s: %v", to, err)
			}
		}
		time.Sleep(time.Second)
		for _, b := range buckets {
			s, err := dk.js.Stream(ctx, "KV_"+b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetLastMsgForSubject(ctx, "$KV."+b+".forged-by-reader"); !errors.Is(err, jetstream.ErrMsgNotFound) {
				t.Errorf("KV_%s: a push consumer of the reader wrote into it (%v)", b, err)
			}
		}
		if len(door) > 0 {
			t.Errorf("a push consumer of the reader reached the intake door (%d messages)", len(door))
		}
	})

	// Nothing changed.
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs < 1 || info.State.FirstSeq != 1 {
		t.Fatalf("the events stream changed: %+v", info.State)
	}
}

// TestEmbeddedEmitterToken: an emitter's API token logs in and may
// publish only to its own intake subject, and receive docketd's answer on
// its own inboxes; it may not publish into the events stream, to another
// source's or tenant's door, nor subscribe to anything else. An importer
// token (source "*") reaches every door of its tenant only.
func TestEmbeddedEmitterToken(t *testing.T) {
	d := embeddedDocketd(t)
	url := d.NATSURL()
	ctx := ctxT(t)
	secret, err := d.NewToken(ctx, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	importer, err := d.NewToken(ctx, auth.Spec{Name: "backfill", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: auth.AnySource})
	if err != nil {
		t.Fatal(err)
	}
	// Through docketd's own door: the SDK Client appends, and docketd
	// seals the value and binds the token's source.
	em := connectEmbedded(t, url, tokenLogin(t, secret)...)
	c, err := events.NewClient(em.nc, events.ClientConfig{Tenant: "acme", Source: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	ev := dataCollected("acme", "user-1")
	res, err := c.Append(ctx, ev)
	if err != nil || len(res) != 1 || res[0].Sequence == 0 {
		t.Fatalf("append through its own intake subject: %v, %v", res, err)
	}
	stored, err := d.Stream().GetMsg(ctx, res[0].Sequence)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.Data, []byte("jane.doe@example.com")) {
		t.Error("the value the door took is stored in plaintext")
	}
	if got := &(eventsv1.Event{}); proto.Unmarshal(stored.Data, got) != nil || got.GetSource() != "crm" {
		t.Errorf("stored source %q, want the token's crm", got.GetSource())
	}
	for _, subject := range []string{
		"docket.acme.user-1.DataCollected",
		"docket.acme.user-1.Probe",
		events.IntakeSubject("acme", "billing"),
		events.IntakeSubject("globex", "crm"),
		"$JS.API.STREAM.DELETE.DOCKET",
		"$KV.DOCKET_TOKENS.forged",
	} {
		t.Run("publish to "+subject, func(t *testing.T) { em.refused(t, "Publish", subject, em.publish(subject)) })
	}
	t.Run("publish through JetStream", func(t *testing.T) {
		em.refused(t, "Publish", "$JS.API.STREAM.INFO.DOCKET", func(ctx context.Context) error {
			_, err := em.js.Stream(ctx, events.DefaultStream)
			return err
		})
	})
	for _, subject := range []string{"_INBOX.>", "_INBOX_reader.>", events.IntakePrefix + ".>", "docket.>"} {
		t.Run("subscribe to "+subject, func(t *testing.T) { em.refused(t, "Subscription", subject, em.subscribe(subject)) })
	}

	imp := connectEmbedded(t, url, tokenLogin(t, importer)...)
	for _, source := range []string{"crm", "billing"} {
		ic, err := events.NewClient(imp.nc, events.ClientConfig{Tenant: "acme", Source: source})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ic.Append(ctx, dataCollected("acme", "user-2")); err != nil {
			t.Fatalf("importer: append through acme's door for %s: %v", source, err)
		}
	}
	t.Run("importer to another tenant", func(t *testing.T) {
		imp.refused(t, "Publish", events.IntakeSubject("globex", "crm"), imp.publish(events.IntakeSubject("globex", "crm")))
	})

	// A revoked token's open connection is closed within seconds, and it
	// logs in no more.
	t.Run("revoked", func(t *testing.T) {
		admin, err := d.NewToken(ctx, auth.Spec{Name: "admin", Roles: []auth.Role{auth.Admin}, Tenant: auth.AllTenants})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.API(admin).Tokens.RevokeToken(ctx, connect.NewRequest(&apiv1.RevokeTokenRequest{Id: tokenID(t, secret)})); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); !em.nc.IsClosed(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the revoked token's connection is still open after 10s")
			}
		}
		if c, err := dialEmbedded(url, nats.Token(secret)); !errors.Is(err, nats.ErrAuthorization) {
			if c != nil {
				c.nc.Close()
			}
			t.Fatalf("a revoked token logs in: %v", err)
		}
		// The importer's connection is still open.
		ic, err := events.NewClient(imp.nc, events.ClientConfig{Tenant: "acme", Source: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ic.Append(ctx, dataCollected("acme", "user-3")); err != nil {
			t.Fatalf("importer after another token's revocation: %v", err)
		}
	})
}

// TestEmbeddedDefaults: with the default config the embedded server has
// no TCP listener; the password files are 0600, hold at least 32 random
// bytes, differ, are kept across restarts, never appear in docketd's log,
// and a password file readable by others stops docketd and the CLI.
func TestEmbeddedDefaults(t *testing.T) {
	c := docketdtest.Config(t) // the defaults, but for the data dir and the API's port
	d := docketdtest.Start(t, c)
	logs := []*docketdtest.Logs{d.Logs}
	if u := d.NATSURL(); u != "" {
		t.Errorf("NATSURL = %q with the default config; want no listener", u)
	}
	if a := d.Embedded().Addr(); a != nil {
		t.Errorf("the embedded server listens on %v with the default config", a)
	}
	pass := map[string]string{}
	for _, user := range []string{natsembed.DocketdUser, natsembed.ReaderUser} {
		path := natsembed.PasswordFile(c.DataDir, user)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %#o; want 0600", path, fi.Mode().Perm())
		}
		pass[user] = password(t, d, user)
		if len(pass[user]) < 64 {
			t.Errorf("%s: %d hex characters; want at least 64 (32 bytes)", path, len(pass[user]))
		}
	}
	if pass[natsembed.DocketdUser] == pass[natsembed.ReaderUser] {
		t.Error("docketd and the reader have the same password")
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	d = docketdtest.Start(t, c) // a restart keeps the passwords
	logs = append(logs, d.Logs)
	for user, p := range pass {
		if got := password(t, d, user); got != p {
			t.Errorf("%s: the password changed on a restart", user)
		}
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		for user, p := range pass {
			if strings.Contains(l.String(), p) {
				t.Errorf("docketd's log holds the password of %s", user)
			}
		}
		if !strings.Contains(l.String(), "docketd ready") {
			t.Fatalf("the log under test holds nothing: %q", l.String())
		}
	}

	// A password file readable by others is refused, by docketd and by
	// the CLI, naming the file and never showing the password.
	reader := natsembed.PasswordFile(c.DataDir, natsembed.ReaderUser)
	if err := os.Chmod(reader, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := docketdtest.TryStart(t, c)
	if err == nil || !strings.Contains(err.Error(), reader) || !strings.Contains(err.Error(), "wider than 0600") {
		t.Fatalf("docketd with a reader password file of mode 0644: %v", err)
	}
	var out, errOut bytes.Buffer
	err = cli.Exec(context.Background(), []string{"tail", "--nats-url", "nats://127.0.0.1:1", "--data-dir", c.DataDir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--data-dir") || !strings.Contains(err.Error(), "wider than 0600") ||
		strings.Contains(err.Error(), pass[natsembed.ReaderUser]) {
		t.Fatalf("docket tail with a reader password file of mode 0644: %v", err)
	}
}
