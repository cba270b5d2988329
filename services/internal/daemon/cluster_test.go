package daemon_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/pgtest"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/audit"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestReplicas runs two docketd replicas on one NATS server and one
// PostgreSQL read-model store. Both serve the API at once; one signs the
// checkpoints and one projects into the shared store, each holding a
// lease; every replica serves proofs from its own tree. When the notary's
// replica stops, the other takes the lease over and goes on signing,
// consistently with what was signed before.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two replicas")
	}
	c := newCluster(t)
	a, b := c.start(t, "a", checkpointEvery(10)), c.start(t, "b", checkpointEvery(10))
	replicas := map[string]*testd{"a": a, "b": b}
	logKey := c.logKey
	holder := func(name string) string { return c.holder(t, name) }
	eventually(t, "a notary and a projector lease", func() bool { return holder("notary") != "" && holder("projector-g1") != "" })
	t.Logf("notary lease: %s, projector lease: %s", holder("notary"), holder("projector-g1"))

	// Appends through both replicas.
	var ids []string
	for round := range 4 {
		ids = append(ids, appendTo(t, []*testd{a, b}[round%2], 10, func(i int) string { return "r-" + string(rune('a'+i%4)) })...)
	}
	// Both replicas answer alike: the read models (one store) and the
	// checkpoint; each proves an event from its own tree.
	first := waitCheckpoint(t, a, 40)
	for name, d := range replicas {
		cp := waitCheckpoint(t, d, 40)
		if cp.GetNote() != first.GetNote() {
			t.Errorf("replica %s shows another checkpoint of size 40", name)
		}
		eventually(t, "replica "+name+"'s read models hold 40 events", func() bool { return readCheckpoint(t, d) >= 40 })
		q := d.read.Query
		s, err := q.GetSubject(context.Background(), connect.NewRequest(&apiv1.GetSubjectRequest{Tenant: "acme", SubjectRef: "r-a"}))
		if err != nil || s.Msg.GetSubject().GetEvents() != 12 {
			t.Errorf("replica %s: subject r-a: %v, %d events, want 12", name, err, s.Msg.GetSubject().GetEvents())
		}
		verifyProof(t, d, ids[len(ids)-1], logKey)
	}

	// The notary's replica stops; the other takes over and signs on.
	leader := holder("notary")
	if err := replicas[leader].Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"a": "b", "b": "a"}[leader]
	survivor := replicas[other]
	began := time.Now()
	eventually(t, "the notary lease moves to "+other, func() bool { return holder("notary") == other })
	t.Logf("the notary lease moved from %s to %s in %s", leader, other, time.Since(began).Round(time.Millisecond))
	ids = append(ids, appendTo(t, survivor, 10, func(int) string { return "r-e" })...)
	next := waitCheckpoint(t, survivor, 50)
	audit := survivor.read.Audit
	cp, err := audit.GetConsistencyProof(context.Background(), connect.NewRequest(&apiv1.GetConsistencyProofRequest{OldSize: 40, NewSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	var tp tlog.TreeProof
	for _, h := range cp.Msg.GetHashes() {
		tp = append(tp, tlog.Hash(h))
	}
	if err := tlog.CheckTree(tp, 50, tlog.Hash(next.GetRootHash()), 40, tlog.Hash(first.GetRootHash())); err != nil {
		t.Errorf("the new notary's checkpoint is not consistent with the old one's: %v", err)
	}
	eventually(t, "the projector lease is held by "+other, func() bool { return holder("projector-g1") == other })
	eventually(t, "the survivor's read models hold 50 events", func() bool { return readCheckpoint(t, survivor) >= 50 })
	verifyProof(t, survivor, ids[len(ids)-1], logKey)
}

// waitCheckpoint waits for d to show a checkpoint of size n.
func waitCheckpoint(t *testing.T, d *testd, n uint64) *apiv1.SignedCheckpoint {
	t.Helper()
	audit := d.read.Audit
	var cp *apiv1.SignedCheckpoint
	eventually(t, "a checkpoint of size "+strconv.FormatUint(n, 10), func() bool {
		r, err := audit.GetLatestCheckpoint(context.Background(), connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
		if err != nil {
			return false
		}
		cp = r.Msg.GetCheckpoint()
		return cp.GetTreeSize() >= n
	})
	if cp.GetTreeSize() != n {
		t.Fatalf("checkpoint of size %d, want %d", cp.GetTreeSize(), n)
	}
	return cp
}

// readCheckpoint is the read models' checkpoint as d reports it.
func readCheckpoint(t *testing.T, d *testd) uint64 {
	t.Helper()
	st := d.read.Status
	r, err := st.GetStatus(context.Background(), connect.NewRequest(&apiv1.GetStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	return r.Msg.GetReadModels().GetCheckpoint()
}

// verifyProof checks d's inclusion proof of an event offline.
func verifyProof(t *testing.T, d *testd, id string, logKey note.Verifier) {
	t.Helper()
	client := d.read.Audit
	// A replica that does not hold the notary lease folds its own tree
	// from the stream, and may be a step behind the checkpoint the leader
	// published: the proof is unavailable ("not folded that far yet")
	// until it catches up.
	var r *connect.Response[apiv1.GetInclusionProofResponse]
	var err error
	eventually(t, d.APIURL()+"'s tree holds "+id, func() bool {
		r, err = client.GetInclusionProof(context.Background(), connect.NewRequest(&apiv1.GetInclusionProofRequest{
			Event: &apiv1.GetInclusionProofRequest_EventId{EventId: id}, Tenant: "acme"}))
		return connect.CodeOf(err) != connect.CodeUnavailable
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := audit.Bundle(r.Msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.Verify(b, logKey, nil, 0); err != nil {
		t.Errorf("%s's proof of %s: %v", d.APIURL(), id, err)
	}
}

// TestReplicasSharePartitions: two replicas split the projection into a
// shared PostgreSQL store in four partitions, two each; the read models are
// whole; when one replica stops, the other projects all four.
func TestReplicasSharePartitions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two replicas")
	}
	c := newCluster(t)
	partitions := func(cfg *config.Config) { cfg.ProjectorPartitions = 4 }
	a, b := c.start(t, "a", partitions), c.start(t, "b", partitions)
	held := func() map[string]int {
		out := map[string]int{}
		for k := range 4 {
			out[c.holder(t, "projector-g1-p"+strconv.Itoa(k))]++
		}
		return out
	}
	eventually(t, "the partitions spread two and two", func() bool { h := held(); return h["a"] == 2 && h["b"] == 2 })
	appendRound := func(d *testd, n int) {
		appendTo(t, d, n, func(i int) string { return "p-" + strconv.Itoa(i%20) })
	}
	for range 3 {
		appendRound(a, 100)
		appendRound(b, 100)
	}
	subjects := func(d *testd, want uint64) {
		t.Helper()
		q := d.read.Query
		for i := range 20 {
			s, err := q.GetSubject(context.Background(), connect.NewRequest(&apiv1.GetSubjectRequest{Tenant: "acme", SubjectRef: "p-" + strconv.Itoa(i)}))
			if err != nil || s.Msg.GetSubject().GetEvents() != want {
				t.Errorf("subject p-%d: %v, %d events, want %d", i, err, s.Msg.GetSubject().GetEvents(), want)
			}
		}
	}
	for _, d := range []*testd{a, b} {
		eventually(t, "the read models hold 600 events", func() bool { return readCheckpoint(t, d) >= 600 })
		subjects(d, 30)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b projects all four partitions", func() bool { return held()["b"] == 4 })
	appendRound(b, 100)
	eventually(t, "the read models hold 700 events", func() bool { return readCheckpoint(t, b) >= 700 })
	subjects(b, 35)
}

// cluster is what replicas share: a NATS server, a PostgreSQL database,
// the KEK file and the notary's key.
type cluster struct {
	ns        *server.Server
	js        jetstream.JetStream // the test's own connection
	dsn, kek  string
	notaryKey string
	logKey    note.Verifier
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{ns: natstest.Start(t), dsn: pgtest.Start(t), kek: filepath.Join(t.TempDir(), "kek")}
	_, c.js = natstest.Connect(t, c.ns)
	if _, err := keys.LoadKEKFile(c.kek, true); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := checkpoint.GenerateKey(config.Defaults().LogOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if c.logKey, err = checkpoint.NewVerifier(vkey); err != nil {
		t.Fatal(err)
	}
	c.notaryKey = skey
	return c
}

// start starts a replica named name on the cluster, with the
// configuration edit makes.
func (c *cluster) start(t *testing.T, name string, edit func(*config.Config)) *testd {
	t.Helper()
	return startDaemon(t, t.TempDir(), func(cfg *config.Config) {
		cfg.NATSURL, cfg.Store, cfg.Instance, cfg.KEKFile, cfg.NotaryKey = c.ns.ClientURL(), c.dsn, name, c.kek, c.notaryKey
		edit(cfg)
	})
}

// holder is the replica holding the lease name ("" for none).
func (c *cluster) holder(t *testing.T, name string) string {
	t.Helper()
	kv, err := c.js.KeyValue(context.Background(), lease.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	h, err := lease.Holder(context.Background(), kv, name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
