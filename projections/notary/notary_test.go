package notary_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/internal/streamgen"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/notary"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const origin = "test.docket/ledger"

var discard = slog.New(slog.DiscardHandler)

// ledger is a real JetStream (its store in storeDir, so the test can
// restart the server on it or damage its files) with events appended
// through a real Emitter, and the log's key.
type ledger struct {
	storeDir string
	srv      *server.Server
	nc       *nats.Conn
	js       jetstream.JetStream
	signer   note.Signer
	verifier note.Verifier
}

func newLedger(t *testing.T, n int) *ledger {
	t.Helper()
	l := &ledger{storeDir: t.TempDir()}
	l.start(t)
	if _, err := events.EnsureStream(t.Context(), l.js, events.StreamConfig{}); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(l.js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	evs := streamgen.Generate(11, n)
	for len(evs) > 0 {
		k := min(len(evs), 500)
		if _, err := em.Append(t.Context(), evs[:k]...); err != nil {
			t.Fatalf("Append: %v", err)
		}
		evs = evs[k:]
	}
	skey, vkey, err := checkpoint.GenerateKey("test-log")
	if err != nil {
		t.Fatal(err)
	}
	if l.signer, err = checkpoint.NewSigner(skey); err != nil {
		t.Fatal(err)
	}
	if l.verifier, err = checkpoint.NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *ledger) start(t *testing.T) {
	t.Helper()
	l.srv = natstest.Start(t, func(o *server.Options) { o.StoreDir = l.storeDir })
	l.nc, l.js = natstest.Connect(t, l.srv)
}

func (l *ledger) stop() {
	l.nc.Close()
	l.srv.Shutdown()
	l.srv.WaitForShutdown()
}

// notarize folds the whole stream into a tree in dir and publishes
// checkpoints every `every` events.
func (l *ledger) notarize(t *testing.T, dir string, every int) (*notary.Notary, *merkle.Tree) {
	t.Helper()
	tree, err := merkle.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	n, err := notary.New(l.js, tree, l.signer, notary.Config{Origin: origin, Every: every, Batch: 300}, discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := n.CatchUp(ctx); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	return n, tree
}

func (l *ledger) latest(t *testing.T) *notary.Published {
	t.Helper()
	s, err := l.js.Stream(t.Context(), notary.DefaultCheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	p, err := notary.Latest(t.Context(), s)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	return p
}

// storedData reads every event's stored bytes, in order.
func (l *ledger) storedData(t *testing.T) []*nats.Msg {
	t.Helper()
	s, err := l.js.Stream(t.Context(), events.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []*nats.Msg
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(t.Context(), seq)
		if err != nil {
			t.Fatalf("GetMsg %d: %v", seq, err)
		}
		out = append(out, &nats.Msg{Subject: m.Subject, Data: m.Data, Header: m.Header})
	}
	return out
}

// recreate deletes the events stream and stores msgs again, in order: the
// operator rewriting history.
func (l *ledger) recreate(t *testing.T, msgs []*nats.Msg) {
	t.Helper()
	ctx := t.Context()
	if err := l.js.DeleteStream(ctx, events.DefaultStream); err != nil {
		t.Fatalf("delete stream: %v", err)
	}
	if _, err := events.EnsureStream(ctx, l.js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := l.js.Publish(ctx, m.Subject, m.Data); err != nil {
			t.Fatalf("republish: %v", err)
		}
	}
}

func TestNotaryPublishesVerifiableCheckpoints(t *testing.T) {
	l := newLedger(t, 1234)
	dir := t.TempDir()
	n, tree := l.notarize(t, dir, 500)
	if got := n.Stats().Size; got != 1234 {
		t.Fatalf("tree size %d, want 1234", got)
	}
	// Checkpoints at 500, 1000 and the head.
	s, err := l.js.Stream(t.Context(), notary.DefaultCheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	if err := notary.Each(t.Context(), s, func(p *notary.Published) error {
		sc, err := checkpoint.Open(p.Note, l.verifier, nil)
		if err != nil {
			return err
		}
		root, err := tree.Root(sc.Size)
		if err != nil {
			return err
		}
		if root != sc.Root || sc.Origin != origin {
			t.Errorf("checkpoint %d: root or origin differ from the tree's", sc.Size)
		}
		sizes = append(sizes, sc.Size)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []int64{500, 1000, 1234}; !slices.Equal(sizes, want) {
		t.Fatalf("checkpoints at %v, want %v", sizes, want)
	}
	// Every leaf is the hash of the stored bytes.
	msgs := l.storedData(t)
	for i, m := range msgs {
		h, err := tree.LeafHash(int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if h != tlog.RecordHash(m.Data) {
			t.Fatalf("leaf %d is not the hash of sequence %d's stored bytes", i, i+1)
		}
	}

	// A restart resumes at the tree's size: nothing is folded twice.
	tree.Close()
	_, tree2 := l.notarize(t, dir, 500)
	if got := tree2.Size(); got != 1234 {
		t.Fatalf("after restart: tree size %d, want 1234", got)
	}
	if p := l.latest(t); p.Checkpoint.Size != 1234 {
		t.Fatalf("after restart: latest checkpoint %d, want 1234", p.Checkpoint.Size)
	}
}

func TestNotaryRefusesARewrittenStream(t *testing.T) {
	l := newLedger(t, 300)
	l.notarize(t, t.TempDir(), 100)
	msgs := l.storedData(t)
	msgs[150].Data = bytes.Clone(msgs[150].Data)
	msgs[150].Data[len(msgs[150].Data)-1] ^= 1
	l.recreate(t, msgs)
	// A notary with a fresh tree (its file lost) folds the rewritten
	// stream and must not sign it.
	tree, err := merkle.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	n, err := notary.New(l.js, tree, l.signer, notary.Config{Origin: origin, Every: 100}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.CatchUp(t.Context()); !errors.Is(err, notary.ErrDiverged) {
		t.Fatalf("CatchUp over a rewritten stream: %v, want ErrDiverged", err)
	}
}

// verify runs notary.Verify against the newest published checkpoint, with
// the operator's tree answering consistency proofs when tree is not nil.
func (l *ledger) verify(t *testing.T, trusted checkpoint.Checkpoint, tree *merkle.Tree) *notary.Report {
	t.Helper()
	cfg := notary.VerifyConfig{Trusted: trusted, Log: l.verifier, Dir: t.TempDir()}
	if tree != nil {
		cfg.Prove = func(_ context.Context, oldSize, newSize int64) (tlog.TreeProof, error) {
			return tree.ProveTree(newSize, oldSize)
		}
	}
	rep, err := notary.Verify(t.Context(), l.js, cfg)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestVerifyAgreesWithAnIntactLog(t *testing.T) {
	l := newLedger(t, 2000)
	_, tree := l.notarize(t, t.TempDir(), 300)
	rep := l.verify(t, l.latest(t).Checkpoint, tree)
	if rep.Divergence != nil {
		t.Fatalf("an intact log diverges: %s", rep.Divergence)
	}
	if rep.Size != 2000 || rep.Checkpoints < 7 {
		t.Fatalf("verified %d events and %d checkpoints, want 2000 and at least 7", rep.Size, rep.Checkpoints)
	}
}

// The tamper tests: each must be detected, naming the sequence.
func TestVerifyNamesTheTamperedSequence(t *testing.T) {
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, l *ledger)
		want   uint64
	}{
		{"stream re-created with one event altered", func(t *testing.T, l *ledger) {
			msgs := l.storedData(t)
			d := bytes.Clone(msgs[776].Data)
			d[len(d)/2] ^= 0x20
			msgs[776].Data = d
			l.recreate(t, msgs)
		}, 777},
		{"two events swapped", func(t *testing.T, l *ledger) {
			msgs := l.storedData(t)
			msgs[1200], msgs[1201] = msgs[1201], msgs[1200]
			l.recreate(t, msgs)
		}, 1201},
		{"an event left out", func(t *testing.T, l *ledger) {
			msgs := l.storedData(t)
			l.recreate(t, append(msgs[:99:99], msgs[100:]...))
		}, 100},
		{"a byte flipped in JetStream's stored file", func(t *testing.T, l *ledger) {
			msgs := l.storedData(t)
			target := msgs[1499].Data // sequence 1500
			l.stop()
			flipInFiles(t, filepath.Join(l.storeDir, "jetstream"), target)
			l.start(t)
		}, 1500},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger(t, 2000)
			_, tree := l.notarize(t, t.TempDir(), 250)
			trusted := l.latest(t).Checkpoint
			c.tamper(t, l)
			rep := l.verify(t, trusted, tree)
			d := rep.Divergence
			if d == nil {
				t.Fatal("the tampered log verifies")
			}
			if d.Sequence != c.want {
				t.Fatalf("divergence %s; want it to name sequence %d", d, c.want)
			}
			// Without the operator's proofs, the window holding it.
			rep = l.verify(t, trusted, nil)
			if d := rep.Divergence; d == nil || (d.Sequence != c.want && (int64(c.want) <= d.From || int64(c.want) > d.To)) {
				t.Fatalf("offline: divergence %v does not contain sequence %d", d, c.want)
			}
		})
	}
}

// flipInFiles flips one byte of the first occurrence of data in the
// stream's block files, as a disk error or an intruder would.
func flipInFiles(t *testing.T, root string, data []byte) {
	t.Helper()
	found := false
	err := filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil || found || fi.IsDir() || !strings.HasSuffix(path, ".blk") || !strings.Contains(path, events.DefaultStream) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		i := bytes.Index(b, data)
		if i < 0 {
			return nil
		}
		b[i+len(data)/2] ^= 0x01
		found = true
		return os.WriteFile(path, b, fi.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("the event's bytes are in no block file")
	}
}

func TestVerifyRefusesACheckpointByAnotherKey(t *testing.T) {
	l := newLedger(t, 300)
	_, tree := l.notarize(t, t.TempDir(), 100)
	trusted := l.latest(t).Checkpoint
	// Someone publishes a checkpoint signed by another key.
	skey, _, err := checkpoint.GenerateKey("test-log")
	if err != nil {
		t.Fatal(err)
	}
	other, err := checkpoint.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tree.Root(150)
	forged := checkpoint.Checkpoint{Origin: origin, Size: 150, Root: root}
	msg, err := checkpoint.Sign(forged, other)
	if err != nil {
		t.Fatal(err)
	}
	if err := notary.Publish(t.Context(), l.js, forged, msg); err != nil {
		t.Fatal(err)
	}
	_, err = notary.Verify(t.Context(), l.js, notary.VerifyConfig{Trusted: trusted, Log: l.verifier, Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "size 150") {
		t.Fatalf("Verify with a forged checkpoint: %v; want an error naming size 150", err)
	}
	if _, err := checkpoint.Open(msg, l.verifier, nil); err == nil {
		t.Fatal("a checkpoint signed by another key opens with the log's key")
	}
}

func TestACheckpointThatDoesNotExtendThePreviousIsRefused(t *testing.T) {
	l := newLedger(t, 400)
	_, tree := l.notarize(t, t.TempDir(), 400)
	old := l.latest(t).Checkpoint
	// The operator rewrites event 10, appends, and signs a new checkpoint
	// with the real key over the rewritten tree.
	msgs := l.storedData(t)
	msgs[9].Data = append(bytes.Clone(msgs[9].Data), 0)
	forkTree, err := merkle.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer forkTree.Close()
	var leaves []tlog.Hash
	for _, m := range msgs {
		leaves = append(leaves, tlog.RecordHash(m.Data))
	}
	leaves = append(leaves, tlog.RecordHash([]byte("one more")))
	if err := forkTree.Append(leaves); err != nil {
		t.Fatal(err)
	}
	root, _ := forkTree.Root(401)
	fork := checkpoint.Checkpoint{Origin: origin, Size: 401, Root: root}
	proof, err := forkTree.ProveTree(401, 400)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.VerifyConsistency(old, fork, proof); !errors.Is(err, checkpoint.ErrInconsistent) {
		t.Fatalf("VerifyConsistency of a fork: %v, want ErrInconsistent", err)
	}
	// And the honest proof of the honest tree does not help either.
	honest, err := tree.ProveTree(400, 400)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.VerifyConsistency(old, fork, honest); err == nil {
		t.Fatal("a fork verified with another proof")
	}
}

// TestANewSignerNeverPublishesASmallerCheckpoint: a replica that is allowed
// to sign after another did (it took over the notary lease), or a notary
// whose tree file was lost, folds its tree from the start; on its way up it
// publishes nothing smaller than the newest checkpoint, which would look
// like the log shrinking.
func TestANewSignerNeverPublishesASmallerCheckpoint(t *testing.T) {
	for name, publishes := range map[string]func() bool{"lease holder": func() bool { return true }, "single": nil} {
		t.Run(name, func(t *testing.T) { testNoSmallerCheckpoint(t, publishes) })
	}
}

func testNoSmallerCheckpoint(t *testing.T, publishes func() bool) {
	l := newLedger(t, 500)
	l.notarize(t, t.TempDir(), 300) // signs at 300 and at 500
	if got := l.latest(t).Checkpoint.Size; got != 500 {
		t.Fatalf("latest checkpoint %d, want 500", got)
	}
	s, err := l.js.Stream(t.Context(), notary.DefaultCheckpointStream)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tree, err := merkle.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	n, err := notary.New(l.js, tree, l.signer, notary.Config{Origin: origin, Every: 100, Batch: 50, Durable: "replica-b",
		Publishes: publishes}, discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := n.CatchUp(ctx); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	after, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.latest(t).Checkpoint.Size; got != 500 || after.State.Msgs != before.State.Msgs || tree.Size() != 500 {
		t.Errorf("after the second signer folded 500 events: latest %d (want 500), %d checkpoints (want %d), tree %d",
			got, after.State.Msgs, before.State.Msgs, tree.Size())
	}
}
