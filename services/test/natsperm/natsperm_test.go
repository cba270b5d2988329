package natsperm_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/intake"
	"github.com/docketledger/docket/services/internal/testkit/eventtest"
	"github.com/docketledger/docket/services/internal/testkit/natsbin"
	"github.com/docketledger/docket/services/internal/testkit/tlstest"
	"github.com/docketledger/docket/services/internal/wmjs"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
)

// configDir holds the configuration under test, relative to this package.
const configDir = "../../../deploy/nats"

// Users of deploy/nats/accounts.conf and the variables holding their
// passwords.
var passwordVars = map[string]string{
	"operator":     "DOCKET_OPERATOR_PASS",
	"docketd":      "DOCKETD_PASS",
	"emitter-acme": "DOCKET_EMITTER_ACME_PASS",
	"tail":         "DOCKET_TAIL_PASS",
}

// inboxPrefixes are the reply subjects accounts.conf lets each user
// subscribe to (docketd: nats.go's default, _INBOX).
var inboxPrefixes = map[string]string{
	"emitter-acme": "_INBOX_emitter",
	"tail":         "_INBOX_tail",
}

// serverBinary is the nats-server the tests run.
func serverBinary(t *testing.T) string { return natsbin.Path(t) }

// natsServer is a nats-server process running one of deploy/nats's configs.
type natsServer struct {
	addr      string // host:port of the client listener
	logPath   string
	passwords map[string]string
	tls       *tls.Config // client side: CA pool, no certificate
}

// startServer runs nats-server -c deploy/nats/<conf> on a random loopback
// port, with its store in a temporary directory, random passwords and env
// added to its environment. It stops when the test ends; its log is shown
// if the test failed.
func startServer(t *testing.T, conf string, env ...string) *natsServer {
	t.Helper()
	bin := serverBinary(t)
	confPath, err := filepath.Abs(filepath.Join(configDir, conf))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &natsServer{passwords: map[string]string{}}
	env = append(env, "DOCKET_NATS_STORE="+filepath.Join(dir, "store"))
	for user, v := range passwordVars {
		s.passwords[user] = natsbin.RandomPassword(t)
		env = append(env, v+"="+s.passwords[user])
	}
	logPath := filepath.Join(dir, "nats-server.log")
	s.logPath = logPath
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", confPath, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", dir)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	showLog := func() {
		b, _ := os.ReadFile(logPath)
		t.Logf("nats-server log:\n%s", b)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logf.Close()
		if t.Failed() {
			showLog()
		}
	})

	// The server writes its listeners to <dir>/<binary>_<pid>.ports.
	deadline := time.After(20 * time.Second)
	for s.addr == "" {
		select {
		case err := <-exited:
			showLog()
			t.Fatalf("nats-server -c %s exited: %v", conf, err)
		case <-deadline:
			t.Fatalf("nats-server -c %s: no ports file in 20s", conf)
		case <-time.After(20 * time.Millisecond):
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.ports"))
		if len(files) == 0 {
			continue
		}
		var ports struct {
			Nats []string `json:"nats"`
		}
		b, err := os.ReadFile(files[0])
		if err != nil || json.Unmarshal(b, &ports) != nil || len(ports.Nats) == 0 {
			continue // still being written
		}
		u, err := url.Parse(ports.Nats[0])
		if err != nil {
			t.Fatalf("ports file: %v", err)
		}
		s.addr = u.Host
	}
	return s
}

// logged waits up to 5s for the server's log to hold want.
func (s *natsServer) logged(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(s.logPath)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the server did not log %q", want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// violationRE matches the server's log line of a permissions violation.
var violationRE = regexp.MustCompile(`"DOCKET/user:([^"]+)" - (Publish|Subscription) Violation - Subject "([^"]+)"`)

// violations are the permission violations in the server's log, as
// "<user> <Publish|Subscription> <subject>".
func (s *natsServer) violations(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	var v []string
	for _, m := range violationRE.FindAllStringSubmatch(string(b), -1) {
		v = append(v, m[1]+" "+m[2]+" "+m[3])
	}
	return v
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// client is one user's connection.
type client struct {
	user string
	nc   *nats.Conn
	js   jetstream.JetStream
	// errs receives the server's asynchronous errors on this connection,
	// permission violations among them.
	errs chan error
}

// dial connects as user with its password, over TLS when the server has a
// client TLS config (extend it with opts: nats.Secure for a certificate).
func (s *natsServer) dial(user string, opts ...nats.Option) (*client, error) {
	c := &client{user: user, errs: make(chan error, 64)}
	all := []nats.Option{
		nats.Name("natsperm-" + user),
		nats.UserInfo(user, s.passwords[user]),
		nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}),
	}
	if p, ok := inboxPrefixes[user]; ok {
		all = append(all, nats.CustomInboxPrefix(p))
	}
	scheme := "nats://"
	if s.tls != nil {
		scheme = "tls://"
		all = append(all, nats.Secure(s.tls.Clone()))
	}
	nc, err := nats.Connect(scheme+s.addr, append(all, opts...)...)
	if err != nil {
		return nil, err
	}
	c.nc = nc
	c.js, err = jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// connect is dial that fails the test on error and closes at its end.
func (s *natsServer) connect(t *testing.T, user string, opts ...nats.Option) *client {
	t.Helper()
	c, err := s.dial(user, opts...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(c.nc.Close)
	return c
}

// refused runs op and checks that the server refuses it with a permissions
// violation for kind ("Publish" or "Subscription") to subject. A refused
// message is dropped and the violation reported on the connection, not as
// a reply, so a refused JetStream call would wait for its timeout: op's
// context is cancelled once the violation has arrived.
func (c *client) refused(t *testing.T, kind, subject string, op func(context.Context) error) {
	t.Helper()
	for len(c.errs) > 0 {
		<-c.errs
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op(ctx) }()
	want := fmt.Sprintf("Permissions Violation for %s to %q", kind, subject)
	timeout := time.After(10 * time.Second)
	returned := false
	for {
		select {
		case err := <-c.errs:
			if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), want) {
				t.Logf("other error on the connection: %v", err)
				continue
			}
			cancel()
			if returned {
				return
			}
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("%s to %s: the server reported a violation, yet the call succeeded", kind, subject)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("%s to %s: the call did not return after its context was cancelled", kind, subject)
			}
			return
		case err := <-done:
			if err == nil {
				t.Fatalf("%s to %s was allowed; want %q", kind, subject, want)
			}
			returned = true // failed as it should; wait for the violation
		case <-timeout:
			t.Fatalf("no %q in 10s", want)
		}
	}
}

// publish is a core NATS publish followed by a round trip, so that the
// server has handled it. A core publish has no answer to fail with: it
// waits for refused to cancel ctx.
func (c *client) publish(subject string) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := c.nc.Publish(subject, []byte("x")); err != nil {
			return err
		}
		if err := c.nc.FlushTimeout(5 * time.Second); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
}

// jsPublish is a JetStream publish, which waits for the stream's answer.
func (c *client) jsPublish(subject string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.js.Publish(ctx, subject, []byte("x"))
		return err
	}
}

// subscribe subscribes to subject and waits for a message.
func (c *client) subscribe(subject string) func(context.Context) error {
	return func(ctx context.Context) error {
		sub, err := c.nc.SubscribeSync(subject)
		if err != nil {
			return err
		}
		defer func() { _ = sub.Unsubscribe() }()
		_, err = sub.NextMsgWithContext(ctx)
		return err
	}
}

// ctxT is a context for one test's calls.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dataCollected is an event of tenant/subjectRef with one plaintext value,
// which the Emitter seals with a data key from the key store.
func dataCollected(tenant, subjectRef string) *eventsv1.Event {
	return eventtest.Collected(tenant, subjectRef, "jane.doe@example.com")
}

// TestPermissions runs docket.conf and shows what each user may do and
// that the server refuses the rest.
func TestPermissions(t *testing.T) {
	srv := startServer(t, "docket.conf")
	ctx := ctxT(t)
	op := srv.connect(t, "operator")
	d := srv.connect(t, "docketd")
	em := srv.connect(t, "emitter-acme")
	tail := srv.connect(t, "tail")

	// docketd's start-up, with docketd's own code: the events stream, the
	// key bucket, the Emitter.
	stream, err := events.EnsureStream(ctx, d.js, events.StreamConfig{})
	if err != nil {
		t.Fatalf("docketd: events.EnsureStream (create): %v", err)
	}
	if _, err := events.EnsureStream(ctx, d.js, events.StreamConfig{}); err != nil {
		t.Fatalf("docketd: events.EnsureStream (existing stream): %v", err)
	}
	store, err := keys.NewKVStore(ctx, d.js, keys.KVConfig{})
	if err != nil {
		t.Fatalf("docketd: keys.NewKVStore: %v", err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := keys.NewKeyring(store, kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	emitter, err := events.NewEmitter(d.js, events.EmitterConfig{Source: "natsperm", Keys: keyring, Atomic: true})
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint and poison streams and the tokens bucket: looked up,
	// created when missing, never updated; twice, as at a restart.
	for range 2 {
		if _, err := notary.EnsureCheckpointStream(ctx, d.js, notary.CheckpointStreamConfig{}); err != nil {
			t.Fatalf("docketd: notary.EnsureCheckpointStream: %v", err)
		}
		if _, err := wmjs.NewRouter(ctx, d.js, wmjs.RouterConfig{PoisonSubject: "docket-poison.natsperm"}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatalf("docketd: wmjs.NewRouter (poison stream): %v", err)
		}
		tokens, err := auth.OpenStore(ctx, d.js, "", 1)
		if err != nil {
			t.Fatalf("docketd: auth.OpenStore: %v", err)
		}
		_ = tokens.Close()
	}

	// Two events, appended as docketd does: sealed with a data key from
	// the key bucket, stored as one atomic batch.
	appended, err := emitter.Append(ctx, dataCollected("acme", "s1"), dataCollected("acme", "s1"))
	if err != nil {
		t.Fatalf("docketd: Emitter.Append: %v", err)
	}

	t.Run("docketd/reads events", func(t *testing.T) {
		m, err := stream.GetLastMsgForSubject(ctxT(t), "docket.acme.s1.DataCollected")
		if err != nil {
			t.Fatalf("direct get: %v", err)
		}
		if m.Sequence != appended[1].Sequence {
			t.Errorf("last docket.acme.s1.DataCollected is seq %d, want %d", m.Sequence, appended[1].Sequence)
		}
	})

	t.Run("docketd/consumes with durable consumers", func(t *testing.T) {
		ctx := ctxT(t)
		// The read models' consumer.
		cons, err := source.Durable(ctx, stream, "natsperm-projection", "natsperm", 0, 100)
		if err != nil {
			t.Fatalf("source.Durable: %v", err)
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if err := m.DoubleAck(ctx); err != nil {
				t.Errorf("ack: %v", err)
			}
		}
		if n != 1 || batch.Error() != nil {
			t.Errorf("fetched %d messages (%v), want 1", n, batch.Error())
		}
		// A saga's consumer.
		sub := wmjs.NewSubscriber(stream, "natsperm-saga", "natsperm", []string{"docket.acme.>"}, nil)
		defer func() { _ = sub.Close() }()
		msgs, err := sub.Subscribe(ctx, "")
		if err != nil {
			t.Fatalf("wmjs.Subscriber: %v", err)
		}
		select {
		case m := <-msgs:
			m.Ack()
		case <-ctx.Done():
			t.Fatal("the saga's subscriber delivered nothing")
		}
		sc, err := stream.Consumer(ctx, "natsperm-saga")
		if err != nil {
			t.Fatal(err)
		}
		for {
			info, err := sc.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.AckFloor.Stream >= 1 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("the saga's ack never reached the server")
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	t.Run("docketd/shreds a key with a secure erase", func(t *testing.T) {
		ctx := ctxT(t)
		ref := keys.Ref{Tenant: "acme", Subject: "s2", Group: "contact"}
		if err := store.Create(ctx, ref, keys.Wrapped{Version: 1, KEKID: "natsperm", Ciphertext: []byte("wrapped")}); err != nil {
			t.Fatalf("Create: %v", err)
		}
		kvs, err := d.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
		if err != nil {
			t.Fatal(err)
		}
		m, err := kvs.GetLastMsgForSubject(ctx, "$KV."+keys.DefaultKVBucket+".acme.s2.contact")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Shred(ctx, ref); err != nil {
			t.Fatalf("Shred: %v", err)
		}
		if _, err := store.Get(ctx, ref); !errors.Is(err, keys.ErrShredded) {
			t.Errorf("Get after Shred: %v, want %v", err, keys.ErrShredded)
		}
		if _, err := kvs.GetMsg(ctx, m.Sequence); !errors.Is(err, jetstream.ErrMsgNotFound) {
			t.Errorf("the key's message (seq %d) after Shred: %v, want %v", m.Sequence, err, jetstream.ErrMsgNotFound)
		}
	})

	t.Run("docketd/publishes checkpoints and poison", func(t *testing.T) {
		ctx := ctxT(t)
		if err := notary.Publish(ctx, d.js, checkpoint.Checkpoint{Origin: "natsperm", Size: 1}, []byte("note")); err != nil {
			t.Errorf("notary.Publish: %v", err)
		}
		cps, err := d.js.Stream(ctx, notary.DefaultCheckpointStream)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cps.GetLastMsgForSubject(ctx, notary.SignedPrefix+".>"); err != nil {
			t.Errorf("read checkpoint: %v", err)
		}
		if err := wmjs.NewPublisher(d.js).Publish("docket-poison.natsperm", message.NewMessage(uuid.NewString(), []byte("x"))); err != nil {
			t.Errorf("poison: %v", err)
		}
	})

	t.Run("docketd/may not weaken a stream by re-creating it", func(t *testing.T) {
		ctx := ctxT(t)
		_, err := d.js.CreateStream(ctx, jetstream.StreamConfig{Name: events.DefaultStream, Subjects: []string{"docket.>"}, MaxAge: time.Second})
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			t.Errorf("CreateStream DOCKET with max_age 1s: %v, want %v", err, jetstream.ErrStreamNameAlreadyInUse)
		}
	})

	// docketd's intake, served on docketd's connection, appending through
	// the Append API's path with an Emitter as docketd's (no source of its
	// own: the intake binds each batch to its subject's).
	docketdEmitter, err := events.NewEmitter(d.js, events.EmitterConfig{Keys: keyring, Atomic: true})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ing, err := ingest.New(docketdEmitter, stream, ingest.Config{MaxBatch: 100}, reg)
	if err != nil {
		t.Fatal(err)
	}
	door, err := intake.Start(d.nc, ing, intake.Config{}, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("docketd: intake.Start: %v", err)
	}
	t.Cleanup(func() { _ = door.Stop(context.Background()) })

	t.Run("emitter/appends through docketd's intake", func(t *testing.T) {
		ctx := ctxT(t)
		c, err := events.NewClient(em.nc, events.ClientConfig{Tenant: "acme", Source: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		ev := dataCollected("acme", "s3")
		res, err := c.Append(ctx, ev)
		if err != nil {
			t.Fatalf("Client.Append: %v", err)
		}
		if len(res) != 1 || res[0].Sequence == 0 || res[0].Duplicate {
			t.Fatalf("results %+v, want one new sequence", res)
		}
		m, err := stream.GetMsg(ctx, res[0].Sequence)
		if err != nil {
			t.Fatal(err)
		}
		stored := &eventsv1.Event{}
		if err := proto.Unmarshal(m.Data, stored); err != nil {
			t.Fatal(err)
		}
		if stored.GetEventId() != ev.GetEventId() || stored.GetSource() != "crm" || m.Subject != "docket.acme.s3.DataCollected" {
			t.Errorf("stored %s on %s from %q, want %s on docket.acme.s3.DataCollected from crm", stored.GetEventId(), m.Subject, stored.GetSource(), ev.GetEventId())
		}
		if bytes.Contains(m.Data, []byte("jane.doe@example.com")) || stored.GetDataCollected().GetValues()[0].GetSealed() == nil {
			t.Error("the value is stored in plaintext")
		}
	})

	t.Run("tail/reads the events stream", func(t *testing.T) {
		ctx := ctxT(t)
		// As `docket tail` does.
		cons, err := tail.js.OrderedConsumer(ctx, events.DefaultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"docket.acme.s1.>"}})
		if err != nil {
			t.Fatalf("OrderedConsumer: %v", err)
		}
		// Each Next replaces the consumer, deleting the previous one.
		for _, want := range appended {
			m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if md, err := m.Metadata(); err != nil || md.Sequence.Stream != want.Sequence {
				t.Errorf("read %s (%v), want seq %d", m.Subject(), err, want.Sequence)
			}
		}
		ts, err := tail.js.Stream(ctx, events.DefaultStream)
		if err != nil {
			t.Fatalf("stream info: %v", err)
		}
		if _, err := ts.GetMsg(ctx, 1); err != nil {
			t.Errorf("get message 1: %v", err)
		}
	})

	t.Run("operator/manages streams", func(t *testing.T) {
		ctx := ctxT(t)
		cfg := jetstream.StreamConfig{Name: "SCRATCH", Subjects: []string{"scratch.>"}, Storage: jetstream.MemoryStorage}
		if _, err := op.js.CreateStream(ctx, cfg); err != nil {
			t.Fatalf("create: %v", err)
		}
		if _, err := op.js.Publish(ctx, "scratch.a", []byte("x")); err != nil {
			t.Fatalf("publish: %v", err)
		}
		// The deny rules are docketd's, not the server's: the same calls
		// on the same stream are refused to docketd...
		d.refused(t, "Publish", "$JS.API.STREAM.PURGE.SCRATCH", func(ctx context.Context) error {
			s, err := d.js.Stream(ctx, "SCRATCH")
			if err != nil {
				return err
			}
			return s.Purge(ctx)
		})
		d.refused(t, "Publish", "$JS.API.STREAM.DELETE.SCRATCH", func(ctx context.Context) error { return d.js.DeleteStream(ctx, "SCRATCH") })
		// ... and allowed to the operator.
		cfg.MaxAge = time.Hour
		if _, err := op.js.UpdateStream(ctx, cfg); err != nil {
			t.Errorf("update: %v", err)
		}
		s, err := op.js.Stream(ctx, "SCRATCH")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Purge(ctx); err != nil {
			t.Errorf("purge: %v", err)
		}
		if err := op.js.DeleteStream(ctx, "SCRATCH"); err != nil {
			t.Errorf("delete: %v", err)
		}
	})

	t.Run("operator/DOCKET still denies message deletes and purges", func(t *testing.T) {
		ctx := ctxT(t)
		s, err := op.js.Stream(ctx, events.DefaultStream)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMsg(ctx, 1); !errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) || !strings.Contains(err.Error(), "message delete not permitted") {
			t.Errorf("DeleteMsg: %v, want %v: message delete not permitted", err, jetstream.ErrMsgDeleteUnsuccessful)
		}
		var apiErr *jetstream.APIError
		if err := s.Purge(ctx); !errors.As(err, &apiErr) || apiErr.Description != "stream purge not permitted" {
			t.Errorf("Purge: %v, want the API error stream purge not permitted", err)
		}
	})

	before, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Every forbidden operation, refused by the server.
	docketUpdate := jetstream.StreamConfig{Name: events.DefaultStream, Subjects: []string{"docket.>"}, MaxAge: time.Second}
	tests := []struct {
		name    string
		as      *client
		kind    string // "Publish" or "Subscription"
		subject string
		op      func(context.Context) error
	}{
		{"docketd/delete DOCKET", d, "Publish", "$JS.API.STREAM.DELETE.DOCKET",
			func(ctx context.Context) error { return d.js.DeleteStream(ctx, "DOCKET") }},
		{"docketd/update DOCKET", d, "Publish", "$JS.API.STREAM.UPDATE.DOCKET",
			func(ctx context.Context) error { _, err := d.js.UpdateStream(ctx, docketUpdate); return err }},
		{"docketd/purge DOCKET", d, "Publish", "$JS.API.STREAM.PURGE.DOCKET",
			func(ctx context.Context) error { return stream.Purge(ctx) }},
		{"docketd/delete a message of DOCKET", d, "Publish", "$JS.API.STREAM.MSG.DELETE.DOCKET",
			func(ctx context.Context) error { return stream.DeleteMsg(ctx, 1) }},
		{"docketd/delete the key bucket", d, "Publish", "$JS.API.STREAM.DELETE.KV_DOCKET_KEYS",
			func(ctx context.Context) error { return d.js.DeleteStream(ctx, "KV_DOCKET_KEYS") }},
		{"docketd/purge the key bucket", d, "Publish", "$JS.API.STREAM.PURGE.KV_DOCKET_KEYS",
			func(ctx context.Context) error {
				s, err := d.js.Stream(ctx, "KV_DOCKET_KEYS")
				if err != nil {
					return err
				}
				return s.Purge(ctx)
			}},
		// A stream update, as nats.go's CreateOrUpdateStream sends first.
		{"docketd/update DOCKET_CHECKPOINTS", d, "Publish", "$JS.API.STREAM.UPDATE.DOCKET_CHECKPOINTS",
			func(ctx context.Context) error {
				_, err := d.js.UpdateStream(ctx, jetstream.StreamConfig{Name: notary.DefaultCheckpointStream, Subjects: []string{"docket-checkpoints.>"}, MaxAge: time.Second})
				return err
			}},
		{"docketd/delete DOCKET_POISON", d, "Publish", "$JS.API.STREAM.DELETE.DOCKET_POISON",
			func(ctx context.Context) error { return d.js.DeleteStream(ctx, wmjs.PoisonStream) }},

		{"emitter/publish into DOCKET for its own tenant", em, "Publish", "docket.acme.s1.DataCollected", em.publish("docket.acme.s1.DataCollected")},
		{"emitter/publish into DOCKET with JetStream", em, "Publish", "docket.acme.s2.Probe", em.jsPublish("docket.acme.s2.Probe")},
		{"emitter/the intake of another source", em, "Publish", "docketd.intake.acme.billing", em.publish("docketd.intake.acme.billing")},
		{"emitter/the intake of another tenant", em, "Publish", "docketd.intake.globex.crm", em.publish("docketd.intake.globex.crm")},
		{"emitter/serve the intake", em, "Subscription", "docketd.intake.>", em.subscribe("docketd.intake.>")},
		{"docketd/the intake outside its queue group", d, "Subscription", "docketd.intake.acme.crm", d.subscribe("docketd.intake.acme.crm")},
		{"tail/publish to the intake", tail, "Publish", "docketd.intake.acme.crm", tail.publish("docketd.intake.acme.crm")},
		{"emitter/publish for another tenant", em, "Publish", "docket.globex.s1.DataCollected", em.jsPublish("docket.globex.s1.DataCollected")},
		{"emitter/publish a checkpoint", em, "Publish", "docket-checkpoints.signed.99", em.publish("docket-checkpoints.signed.99")},
		{"emitter/write a key", em, "Publish", "$KV.DOCKET_KEYS.acme.s1.contact", em.publish("$KV.DOCKET_KEYS.acme.s1.contact")},
		{"emitter/delete DOCKET", em, "Publish", "$JS.API.STREAM.DELETE.DOCKET",
			func(ctx context.Context) error { return em.js.DeleteStream(ctx, "DOCKET") }},
		{"emitter/create a consumer", em, "Publish", "$JS.API.CONSUMER.CREATE.DOCKET.emitter",
			func(ctx context.Context) error {
				_, err := em.js.CreateConsumer(ctx, "DOCKET", jetstream.ConsumerConfig{Durable: "emitter"})
				return err
			}},
		{"emitter/subscribe to events", em, "Subscription", "docket.>", em.subscribe("docket.>")},
		{"emitter/subscribe to docketd's replies", em, "Subscription", "_INBOX.>", em.subscribe("_INBOX.>")},

		{"tail/publish an event", tail, "Publish", "docket.acme.s1.DataCollected", tail.jsPublish("docket.acme.s1.DataCollected")},
		{"tail/delete DOCKET", tail, "Publish", "$JS.API.STREAM.DELETE.DOCKET",
			func(ctx context.Context) error { return tail.js.DeleteStream(ctx, "DOCKET") }},
		{"tail/read the key bucket with a consumer", tail, "Publish", "$JS.API.CONSUMER.CREATE.KV_DOCKET_KEYS.tail",
			func(ctx context.Context) error {
				_, err := tail.js.CreateConsumer(ctx, "KV_DOCKET_KEYS", jetstream.ConsumerConfig{Name: "tail"})
				return err
			}},
		{"tail/look up the key bucket", tail, "Publish", "$JS.API.STREAM.INFO.KV_DOCKET_KEYS",
			func(ctx context.Context) error { _, err := tail.js.Stream(ctx, "KV_DOCKET_KEYS"); return err }},
		{"tail/subscribe to docketd's replies", tail, "Subscription", "_INBOX.>", tail.subscribe("_INBOX.>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.as.refused(t, tt.kind, tt.subject, tt.op)
		})
	}

	// docketd's code paths above ran into no deny rule: the server logged
	// no violation but the ones this test provoked.
	t.Run("no other violations", func(t *testing.T) {
		want := map[string]bool{
			"docketd Publish $JS.API.STREAM.PURGE.SCRATCH":  true,
			"docketd Publish $JS.API.STREAM.DELETE.SCRATCH": true,
		}
		for _, tt := range tests {
			want[tt.as.user+" "+tt.kind+" "+tt.subject] = true
		}
		got := srv.violations(t)
		for _, v := range got {
			if !want[v] {
				t.Errorf("unexpected violation: %s", v)
			}
		}
		t.Logf("%d violations logged, all expected", len(got))
	})

	t.Run("DOCKET is intact", func(t *testing.T) {
		info, err := stream.Info(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != before.State.Msgs || info.State.LastSeq != before.State.LastSeq {
			t.Errorf("DOCKET holds %d messages up to seq %d, want %d up to %d", info.State.Msgs, info.State.LastSeq, before.State.Msgs, before.State.LastSeq)
		}
		if info.Config.MaxAge != 0 || !info.Config.DenyDelete || !info.Config.DenyPurge {
			t.Errorf("DOCKET max_age %s, deny_delete %v, deny_purge %v; want 0, true, true", info.Config.MaxAge, info.Config.DenyDelete, info.Config.DenyPurge)
		}
	})

	t.Run("unknown users are refused", func(t *testing.T) {
		for _, opt := range []nats.Option{nats.UserInfo("docketd", "wrong"), nats.UserInfo("nobody", "x"), func(o *nats.Options) error { o.User, o.Password = "", ""; return nil }} {
			_, err := srv.dial("docketd", opt)
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Errorf("connect: %v, want %v", err, nats.ErrAuthorization)
			}
		}
	})
}

// TestTLS runs docket-tls.conf with a throw-away CA and shows that only
// TLS clients with a certificate from that CA get in.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t)
	serverCert, serverKey := ca.Issue(t, "nats", true)
	cp, kp := ca.Issue(t, "docketd", false)
	clientCert := tlstest.Pair(t, cp, kp)
	rp, rk := tlstest.NewCA(t).Issue(t, "docketd", false)
	rogueCert := tlstest.Pair(t, rp, rk)
	files := map[string][]byte{"ca.pem": ca.PEM, "server.pem": serverCert, "server-key.pem": serverKey}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, "docket-tls.conf",
		"DOCKET_NATS_TLS_CERT="+filepath.Join(dir, "server.pem"),
		"DOCKET_NATS_TLS_KEY="+filepath.Join(dir, "server-key.pem"),
		"DOCKET_NATS_TLS_CA="+filepath.Join(dir, "ca.pem"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.PEM)
	srv.tls = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
	withCert := func(cert tls.Certificate) nats.Option {
		cfg := srv.tls.Clone()
		// Present cert even when the server asks for another CA's.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
		return nats.Secure(cfg)
	}

	t.Run("client certificate and password: in, with docketd's permissions", func(t *testing.T) {
		d := srv.connect(t, "docketd", withCert(clientCert))
		if !d.nc.TLSRequired() {
			t.Error("the connection is not TLS")
		}
		if _, err := events.EnsureStream(ctxT(t), d.js, events.StreamConfig{}); err != nil {
			t.Fatalf("events.EnsureStream: %v", err)
		}
		d.refused(t, "Publish", "$JS.API.STREAM.DELETE.DOCKET", func(ctx context.Context) error { return d.js.DeleteStream(ctx, "DOCKET") })
	})

	t.Run("client certificate, wrong password", func(t *testing.T) {
		_, err := srv.dial("docketd", withCert(clientCert), nats.UserInfo("docketd", "wrong"))
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("connect: %v, want %v", err, nats.ErrAuthorization)
		}
	})

	// With TLS 1.3 the client's handshake ends before the server has
	// checked its certificate: the client sees the connection close, the
	// server logs why.
	t.Run("TLS without a client certificate", func(t *testing.T) {
		_, err := srv.dial("docketd")
		if err == nil || !strings.Contains(err.Error(), "tls") {
			t.Errorf("connect: %v, want a TLS error", err)
		}
		srv.logged(t, "TLS handshake error: tls: client didn't provide a certificate")
	})

	t.Run("client certificate from another CA", func(t *testing.T) {
		_, err := srv.dial("docketd", withCert(rogueCert))
		if err == nil || !strings.Contains(err.Error(), "tls") {
			t.Errorf("connect: %v, want a TLS error", err)
		}
		srv.logged(t, "TLS handshake error: tls: failed to verify certificate: x509: certificate signed by unknown authority")
	})

	t.Run("plain TCP", func(t *testing.T) {
		// nats.go switches to TLS when the server asks for it, so speak the
		// protocol by hand: the server announces tls_required and then
		// never answers a plaintext CONNECT.
		conn, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(conn)
		info, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read INFO: %v", err)
		}
		if !strings.HasPrefix(info, "INFO ") || !strings.Contains(info, `"tls_required":true`) {
			t.Errorf("INFO does not require TLS: %s", info)
		}
		connect := fmt.Sprintf("CONNECT {\"verbose\":false,\"user\":\"docketd\",\"pass\":%q}\r\nPING\r\n", srv.passwords["docketd"])
		if _, err := io.WriteString(conn, connect); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(r)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("the server kept the plaintext connection open")
		}
		if strings.Contains(string(rest), "PONG") {
			t.Errorf("the server answered a plaintext client: %q", rest)
		}
	})
}
