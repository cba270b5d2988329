package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/pgtest"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/jackc/pgx/v5"
)

// TestReplicaKilledUnderLoad runs two docketd processes as replicas on one
// NATS and one PostgreSQL, each under append load from its own clients,
// and kills the replica that signs the checkpoints with SIGKILL (once in
// `make test`, three times under -tags faults), then starts it again on
// the same ports. The other replica must take the notary's and the
// projector's leases once the dead one's expire, appends through it must
// go on, and the checkpoints signed after the kill must match the stream.
// At the end every acknowledged event is in the stream once, the latest
// checkpoint verifies against the whole stream (`docket verify log`), and
// the shared read models equal a rebuild, table by table.
func TestReplicaKilledUnderLoad(t *testing.T) {
	bins := buildBinaries(t)
	ns := natstest.Start(t)
	dsn := pgtest.Start(t)
	dir := t.TempDir()
	kek := filepath.Join(dir, "kek")
	if _, err := keys.LoadKEKFile(kek, true); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := checkpoint.GenerateKey(config.Defaults().LogOrigin)
	if err != nil {
		t.Fatal(err)
	}
	notaryKey := filepath.Join(dir, "notary.key")
	if err := os.WriteFile(notaryKey, []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	js := jetStreamAt(t, ns.ClientURL())

	// Two replicas, a and b, each with its own data dir (its tree).
	names := []string{"a", "b"}
	args := map[string][]string{}
	procs := map[string]*process{}
	for _, name := range names {
		args[name] = []string{"--data-dir", filepath.Join(dir, name), "--instance", name,
			"--nats-url", ns.ClientURL(), "--store", dsn, "--kek-file", kek, "--notary-key-file", notaryKey,
			"--rate-limit", "1000000", "--rate-burst", "1000000", "--checkpoint-interval", "1s"}
		procs[name] = startProcess(t, bins.docketd, append(args[name], "--api-listen", "127.0.0.1:0"))
		args[name] = append(args[name], "--api-listen", hostPort(procs[name].api))
	}
	admin := adminToken(t, filepath.Join(dir, "a")) // the first replica made the first token
	token := newEmitterToken(t, procs["a"].api, admin)
	loads := map[string]*load{}
	for _, name := range names {
		loads[name] = startLoad(ingestClient(t, procs[name].api, token, &http.Transport{MaxIdleConnsPerHost: 8}), 3, 20)
		defer loads[name].stop()
	}
	acked := func() int { return loads["a"].ackedN() + loads["b"].ackedN() }
	kv, err := js.KeyValue(context.Background(), lease.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	holder := func(name string) string {
		h, _ := lease.Holder(context.Background(), kv, name)
		return h
	}
	status := func(name string) *apiv1.GetStatusResponse {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, _ := getStatus(ctx, procs[name].api, admin)
		return s
	}

	kills := scale(1, 3)
	for k := range kills {
		if err := eventually(time.Minute, func() bool { return holder("notary") != "" && holder("projector-g1") != "" }); err != nil {
			t.Fatalf("no replica holds the notary's and the projector's leases")
		}
		victim := holder("notary")
		survivor := names[0]
		if victim == survivor {
			survivor = names[1]
		}
		if !loads[survivor].waitAcked(loads[survivor].ackedN()+1000, 2*time.Minute) {
			t.Fatalf("the load does not progress: %s", loads[survivor].summary())
		}
		before := status(survivor)
		signedBefore := before.GetNotary().GetCheckpointSize()
		projectorWas := holder("projector-g1")
		procs[victim].kill(t)
		killed := time.Now()
		ackedAtKill := loads[survivor].ackedN()

		// The survivor takes the leases once the dead replica's expire,
		// and signs on.
		var notaryAfter, projectorAfter time.Duration
		if err := eventually(30*time.Second, func() bool {
			if notaryAfter == 0 && holder("notary") == survivor {
				notaryAfter = time.Since(killed)
			}
			if projectorAfter == 0 && holder("projector-g1") == survivor {
				projectorAfter = time.Since(killed)
			}
			return notaryAfter > 0 && projectorAfter > 0
		}); err != nil {
			t.Fatalf("kill %d: %s still holds the leases 30s after it was killed (notary: %q, projector: %q)",
				k+1, victim, holder("notary"), holder("projector-g1"))
		}
		var after *apiv1.GetStatusResponse
		if err := eventually(30*time.Second, func() bool {
			after = status(survivor)
			// Beyond the stream as it was at the kill: signed by the survivor.
			return after != nil && after.GetNotary().GetCheckpointSize() > before.GetStreamLastSequence() &&
				loads[survivor].ackedN() > ackedAtKill+200
		}); err != nil {
			t.Fatalf("kill %d: the survivor does not sign or append on: checkpoint %d (%d before, stream at %d at the kill), %s",
				k+1, after.GetNotary().GetCheckpointSize(), signedBefore, before.GetStreamLastSequence(), loads[survivor].summary())
		}
		projector := fmt.Sprintf("the projector's after %s", projectorAfter.Round(time.Millisecond))
		if projectorWas == survivor {
			projector = "it projected already"
		}
		t.Logf("kill %d of %d: killed %s, the notary, with %d events acknowledged in all; %s took the notary's lease after %s (%s); latest signed checkpoint %d before, %d after (stream at %d at the kill)",
			k+1, kills, victim, acked(), survivor, notaryAfter.Round(time.Millisecond), projector,
			signedBefore, after.GetNotary().GetCheckpointSize(), before.GetStreamLastSequence())

		procs[victim] = startProcess(t, bins.docketd, args[victim])
		if !loads[victim].waitAcked(loads[victim].ackedN()+200, time.Minute) {
			t.Fatalf("kill %d: appends through the restarted %s do not resume: %s", k+1, victim, loads[victim].summary())
		}
	}
	for _, name := range names {
		loads[name].stop()
		loads[name].checkFatal(t)
	}
	all := loads["a"].ackedIDs()
	for id, seq := range loads["b"].ackedIDs() {
		all[id] = seq
	}
	st := readStream(t, js)
	checkStreamWhole(t, st, all)
	for _, name := range names {
		pause, from := loads[name].pause()
		t.Logf("load through %s: %s; longest pause %s from %s", name, strings.SplitN(loads[name].summary(), "\n", 2)[0],
			pause.Round(time.Millisecond), from.Format("15:04:05.000"))
	}
	t.Logf("stream holds %d messages, all %d acknowledged events present, none twice, no hole", st.msgs, len(all))

	// Both replicas answer from read models caught up with the stream,
	// and the latest checkpoint matches the whole stream.
	for _, name := range names {
		if err := eventually(2*time.Minute, func() bool {
			s := status(name)
			return s != nil && s.GetReadModels().GetCheckpoint() >= st.last && s.GetNotary().GetCheckpointSize() >= st.last
		}); err != nil {
			s := status(name)
			t.Fatalf("%s: read models at %d, signed checkpoint %d, of %d", name, s.GetReadModels().GetCheckpoint(), s.GetNotary().GetCheckpointSize(), st.last)
		}
	}
	cpCmd := exec.Command(bins.docket, "checkpoint", "--api", procs["b"].api)
	cpCmd.Env = append(os.Environ(), "DOCKET_TOKEN="+admin)
	var cpErr strings.Builder
	cpCmd.Stderr = &cpErr
	cp, err := cpCmd.Output()
	if err != nil {
		t.Fatalf("docket checkpoint: %v\n%s", err, cpErr.String())
	}
	cpFile := filepath.Join(dir, "checkpoint.txt")
	if err := os.WriteFile(cpFile, cp, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bins.docket, "verify", "log", "--quiet", "--nats-url", ns.ClientURL(), "--checkpoint", cpFile, "--key", vkey).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("docket verify log against the latest checkpoint: %v\n%s", err, out)
	}
	t.Logf("docket verify log: %s", strings.TrimSpace(string(out)))

	out, err = exec.Command(bins.docket, "projections", "rebuild", "--quiet", "--store", dsn, "--nats-url", ns.ClientURL()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "generation 2") {
		t.Fatalf("docket projections rebuild: %v\n%s", err, out)
	}
	for _, name := range names {
		procs[name].stop(t)
	}
	cmp := comparePGGenerations(t, dsn, 1, 2)
	t.Logf("shared read models after %d kills against a rebuild: %s", kills, cmp)
	if !cmp.ok() {
		t.Errorf("the read models after the kills differ from a rebuild: %s", cmp)
	}
}

// comparePGGenerations compares, table by table, generations a and b of the
// PostgreSQL read models (schemas docket_g<a> and docket_g<b>): every row
// of every table but the migrations record, ordered by all its columns.
func comparePGGenerations(t *testing.T, dsn string, a, b int) generationDiff {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var d generationDiff
	for i, g := range []int{a, b} {
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT seq FROM docket_g%d.checkpoint", g)).Scan(&d.checkpoints[i]); err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
	}
	tables := func(g int) []string {
		rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, fmt.Sprintf("docket_g%d", g))
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	ta, tb := tables(a), tables(b)
	if !slices.Equal(ta, tb) {
		d.differences = append(d.differences, fmt.Sprintf("tables: generation %d has %v, %d has %v", a, ta, b, tb))
		return d
	}
	dump := func(table string) []string {
		rows, err := conn.Query(ctx, "SELECT * FROM "+table+" LIMIT 0")
		if err != nil {
			t.Fatal(err)
		}
		n := len(rows.FieldDescriptions())
		rows.Close()
		order := make([]string, n)
		for i := range order {
			order[i] = fmt.Sprint(i + 1)
		}
		rows, err = conn.Query(ctx, "SELECT * FROM "+table+" ORDER BY "+strings.Join(order, ", "))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%#v", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, name := range ta {
		if name == "migrations" {
			continue
		}
		d.table(name, dump(fmt.Sprintf("docket_g%d.%s", a, name)), dump(fmt.Sprintf("docket_g%d.%s", b, name)))
	}
	return d
}
