package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/docketledger/docket/projections/model"
)

// What the suite holds a store to as a model.Partitioner (every store is
// one), beyond model's documentation:
//   - Partition's argument errors name the argument ("part 4 ...",
//     "parts 1 ...") and are not ErrPartitions.
//   - A partition's view reads everything else as the store does, and its
//     Close leaves the store open.
//   - The Applies of different partitions may run at once, and observed
//     rows merged by several of them come out exact.

// partitioner is s as a model.Partitioner; it fails t if s is not one.
func partitioner(t *testing.T, s model.Store) model.Partitioner {
	t.Helper()
	p, ok := s.(model.Partitioner)
	if !ok {
		t.Fatalf("%T is not a model.Partitioner", s)
	}
	return p
}

// partitionOf is partition part of parts of s; it fails t on error.
func partitionOf(t *testing.T, s model.Store, part, parts int) model.Store {
	t.Helper()
	v, err := partitioner(t, s).Partition(t.Context(), part, parts)
	if err != nil {
		t.Fatalf("Partition(%d, %d): %v", part, parts, err)
	}
	return v
}

// partitionsOf is every partition of s, split into parts.
func partitionsOf(t *testing.T, s model.Store, parts int) []model.Store {
	t.Helper()
	views := make([]model.Store, parts)
	for k := range views {
		views[k] = partitionOf(t, s, k, parts)
	}
	return views
}

func wantPartitionsErr(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrPartitions) {
		t.Errorf("%s: got error %v, want model.ErrPartitions", what, err)
	}
}

// testPartitionsFixParts: the first Partition fixes parts; another parts,
// an unpartitioned Apply after it, or a first Partition after one, fail
// with ErrPartitions.
func testPartitionsFixParts(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	p := partitioner(t, s)

	t.Run("Arguments", func(t *testing.T) {
		for _, c := range []struct {
			part, parts int
			names       string
		}{
			{0, 1, "parts 1"}, {0, 0, "parts 0"}, {0, -3, "parts -3"}, {0, 257, "parts 257"},
			{-1, 4, "part -1"}, {4, 4, "part 4"}, {300, 256, "part 300"},
		} {
			_, err := p.Partition(ctx, c.part, c.parts)
			switch {
			case err == nil:
				t.Errorf("Partition(%d, %d): no error", c.part, c.parts)
			case errors.Is(err, model.ErrPartitions):
				t.Errorf("Partition(%d, %d): %v, an argument error, not ErrPartitions", c.part, c.parts, err)
			case !strings.Contains(err.Error(), c.names):
				t.Errorf("Partition(%d, %d): %q does not name the argument (%q)", c.part, c.parts, err, c.names)
			}
		}
	})

	v0 := partitionOf(t, s, 0, 4)
	// The first call created every partition's checkpoint at 0.
	v3 := partitionOf(t, s, 3, 4)
	partitionOf(t, s, 1, 4)
	partitionOf(t, s, 0, 4) // again: fine
	for k, v := range []model.Store{v0, v3} {
		if cp := checkpoint(t, v); cp != 0 {
			t.Errorf("view %d: Checkpoint = %d, want 0", k, cp)
		}
	}
	if cp := checkpoint(t, s); cp != 0 {
		t.Errorf("partitioned store: Checkpoint = %d, want 0", cp)
	}
	apply(t, v0, 0, 10, everyRow("acme", 10))
	if cp := checkpoint(t, s); cp != 0 {
		t.Errorf("after partition 0 moved to 10: store's Checkpoint = %d, want 0 (partitions 1..3 are at 0)", cp)
	}
	for _, parts := range []int{2, 3, 5, 256} {
		_, err := p.Partition(ctx, 0, parts)
		wantPartitionsErr(t, fmt.Sprintf("Partition(0, %d) of a store split into 4", parts), err)
	}

	t.Run("UnpartitionedApplyRefused", func(t *testing.T) {
		for _, from := range []uint64{0, 10} {
			b := everyRow("moved", 11)
			b.From, b.To = from, 11
			wantPartitionsErr(t, fmt.Sprintf("unpartitioned Apply %d..11", from), s.Apply(ctx, &b))
		}
		wantPartitionsErr(t, "unpartitioned empty Apply 0..0", s.Apply(ctx, &model.Batch{}))
		wantEmpty(t, s, "moved")
		if cp := checkpoint(t, s); cp != 0 {
			t.Errorf("Checkpoint = %d, want 0 still", cp)
		}
		if cp := checkpoint(t, v0); cp != 10 {
			t.Errorf("partition 0: Checkpoint = %d, want 10 still", cp)
		}
	})

	t.Run("AnotherStoreSeesThem", func(t *testing.T) {
		other := open(t, db, 1)
		_, err := partitioner(t, other).Partition(ctx, 0, 3)
		wantPartitionsErr(t, "Partition(0, 3) through another store", err)
		v2 := partitionOf(t, other, 2, 4)
		if cp := checkpoint(t, v2); cp != 0 {
			t.Errorf("partition 2: Checkpoint = %d, want 0", cp)
		}
		if cp := checkpoint(t, partitionOf(t, other, 0, 4)); cp != 10 {
			t.Errorf("partition 0 through another store: Checkpoint = %d, want 10", cp)
		}
		b := everyRow("moved", 11)
		b.From, b.To = 0, 11
		wantPartitionsErr(t, "unpartitioned Apply through another store", other.Apply(ctx, &b))
		wantEmpty(t, other, "moved")
	})

	t.Run("ViewCloseKeepsStore", func(t *testing.T) {
		v := partitionOf(t, s, 2, 4)
		if err := v.Close(); err != nil {
			t.Errorf("view Close: %v", err)
		}
		if cp := checkpoint(t, s); cp != 0 {
			t.Errorf("after a view's Close: Checkpoint = %d, want 0", cp)
		}
		if cp := checkpoint(t, v0); cp != 10 {
			t.Errorf("after a view's Close: partition 0's Checkpoint = %d, want 10", cp)
		}
		apply(t, partitionOf(t, s, 2, 4), 0, 4, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-2", 4)}})
	})

	t.Run("MovedStoreRefused", func(t *testing.T) {
		s2 := open(t, db, 2)
		apply(t, s2, 0, 3, everyRow("acme", 3))
		for _, c := range [][2]int{{0, 4}, {1, 2}} {
			_, err := partitioner(t, s2).Partition(ctx, c[0], c[1])
			wantPartitionsErr(t, fmt.Sprintf("Partition(%d, %d) of a store at 3", c[0], c[1]), err)
		}
		// It stays unpartitioned.
		apply(t, s2, 3, 5, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-1", 5)}})
		if cp := checkpoint(t, s2); cp != 5 {
			t.Errorf("Checkpoint = %d, want 5", cp)
		}
		_, err := partitioner(t, s2).Partition(ctx, 0, 4)
		wantPartitionsErr(t, "Partition(0, 4) of a store at 5", err)
	})
}

// testPartitionCheckpoints: the store's Checkpoint is the smallest of the
// partitions'; each view reads its own, and everything else as the store.
func testPartitionCheckpoints(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	views := partitionsOf(t, s, 4)
	const tenant = "acme"
	subject := func(k int) string { return fmt.Sprintf("sub-%d", k) }
	// batch is partition k's events from+1..to: those whose sequence is k
	// modulo 4.
	batch := func(k int, from, to uint64) model.Batch {
		var b model.Batch
		for seq := from + 1; seq <= to; seq++ {
			if seq%4 == uint64(k) {
				b.Audit = append(b.Audit, auditRow(tenant, subject(k), seq))
			}
		}
		return b
	}
	tos := []uint64{10, 7, 12, 9}
	cps := make([]uint64, 4)
	for k, to := range tos {
		apply(t, views[k], 0, to, batch(k, 0, to))
		cps[k] = to
		if got, want := checkpoint(t, s), slices.Min(cps); got != want {
			t.Errorf("partitions at %v: store's Checkpoint = %d, want %d", cps, got, want)
		}
	}
	for k, v := range views {
		if cp := checkpoint(t, v); cp != tos[k] {
			t.Errorf("partition %d: Checkpoint = %d, want %d", k, cp, tos[k])
		}
	}
	apply(t, views[1], 7, 20, batch(1, 7, 20))
	if cp := checkpoint(t, s); cp != 9 {
		t.Errorf("partitions at 10, 20, 12, 9: store's Checkpoint = %d, want 9", cp)
	}
	if cp := checkpoint(t, open(t, db, 1)); cp != 9 {
		t.Errorf("another store: Checkpoint = %d, want 9", cp)
	}
	apply(t, views[3], 9, 9, model.Batch{})
	apply(t, views[3], 9, 30, batch(3, 9, 30))
	if cp := checkpoint(t, s); cp != 10 {
		t.Errorf("partitions at 10, 20, 12, 30: store's Checkpoint = %d, want 10", cp)
	}

	// Every view reads what every partition wrote, as the store does.
	for k := range views {
		want := must[[]model.AuditRow](t, "History")(s.History(ctx, tenant, subject(k), model.Page{}))
		if len(want) == 0 {
			t.Errorf("partition %d: no audit rows", k)
		}
		for j, v := range views {
			got := must[[]model.AuditRow](t, "History")(v.History(ctx, tenant, subject(k), model.Page{}))
			same(t, fmt.Sprintf("History of %s through view %d", subject(k), j), want, got)
		}
	}
	if v := views[2]; v.Generation() != 1 {
		t.Errorf("view: Generation() = %d, want 1", v.Generation())
	}
	if ok := must[bool](t, "TenantExists")(views[2].TenantExists(ctx, tenant)); !ok {
		t.Errorf("view: TenantExists = false")
	}
}

// testPartitionCompareAndSwap: a partition's Apply moves its own
// checkpoint from b.From, or fails and writes nothing; the other
// partitions do not notice.
func testPartitionCompareAndSwap(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	views := partitionsOf(t, s, 4)
	apply(t, views[0], 0, 5, everyRow("p0", 5))
	wantCheckpoints := func(want ...uint64) {
		t.Helper()
		for k, v := range views {
			if cp := checkpoint(t, v); cp != want[k] {
				t.Errorf("partition %d: Checkpoint = %d, want %d", k, cp, want[k])
			}
		}
		if got, want := checkpoint(t, s), slices.Min(want); got != want {
			t.Errorf("store's Checkpoint = %d, want %d", got, want)
		}
	}
	wantCheckpoints(5, 0, 0, 0)

	t.Run("WrongFromWritesNothing", func(t *testing.T) {
		for _, c := range []struct {
			part int
			from uint64
		}{{0, 0}, {0, 3}, {0, 6}, {0, 100}, {1, 5}, {1, 1}, {3, 5}} {
			b := everyRow("moved", 9)
			b.From, b.To = c.from, max(c.from, 9)+1
			err := views[c.part].Apply(ctx, &b)
			if !errors.Is(err, model.ErrCheckpointMoved) {
				t.Errorf("partition %d: Apply from %d: got %v, want ErrCheckpointMoved", c.part, c.from, err)
			}
		}
		wantEmpty(t, s, "moved")
		wantCheckpoints(5, 0, 0, 0)
	})
	t.Run("BackwardsRefused", func(t *testing.T) {
		b := everyRow("moved", 9)
		b.From, b.To = 5, 4
		if err := views[0].Apply(ctx, &b); err == nil {
			t.Error("partition 0: Apply 5..4: no error")
		}
		wantEmpty(t, s, "moved")
		wantCheckpoints(5, 0, 0, 0)
	})
	t.Run("OthersUnaffected", func(t *testing.T) {
		apply(t, views[1], 0, 8, everyRow("p1", 8))
		apply(t, views[0], 5, 9, model.Batch{Audit: []model.AuditRow{auditRow("p0", "sub-1", 9)}})
		wantCheckpoints(9, 8, 0, 0)
		for _, tenant := range []string{"p0", "p1"} {
			if ok := must[bool](t, "TenantExists")(s.TenantExists(ctx, tenant)); !ok {
				t.Errorf("TenantExists(%q) = false", tenant)
			}
		}
		// A view of the same partition, as a second projector would get:
		// the checkpoint has moved for it too.
		again := partitionOf(t, s, 1, 4)
		b := model.Batch{From: 0, To: 12}
		if err := again.Apply(ctx, &b); !errors.Is(err, model.ErrCheckpointMoved) {
			t.Errorf("second view of partition 1: Apply from 0: got %v, want ErrCheckpointMoved", err)
		}
		apply(t, again, 8, 12, model.Batch{})
		wantCheckpoints(9, 12, 0, 0)
	})
}

// observedEvent is one event's observed row, and the partition that
// applies it.
type observedEvent struct {
	part int
	row  model.ObservedRow
}

// observedEvents are n events' observed rows (of tenant acme), spread
// over parts partitions and a few keys: the counts, sequences and times
// vary so that every rule of the merge decides something, and an event
// recorded later often occurred earlier.
func observedEvents(n, parts int) []observedEvent {
	keys := [][2]string{
		{model.ObservedPurpose, "marketing"}, {model.ObservedPurpose, "essential.service"},
		{model.ObservedRecipient, "rcp-mailer"}, {model.ObservedRecipient, "Rcp-Z"},
		{model.ObservedCategory, "user.contact.email"},
	}
	var out []observedEvent
	for i := range n {
		seq := uint64(i + 1)
		k := keys[(i*7+i/3)%len(keys)]
		occurred := at((i*37)%101 + 1)
		out = append(out, observedEvent{
			// Partition by a hash of the sequence, not its order: the
			// partitions see first sequences out of step.
			part: int((seq * 2654435761 >> 7) % uint64(parts)),
			row: model.ObservedRow{Tenant: "acme", Kind: k[0], Key: k[1], Count: 1 + seq%3,
				FirstSeq: seq, FirstEventID: "ev-" + itoa(seq), FirstOccurred: occurred, LastOccurred: occurred},
		})
	}
	return out
}

// mergedObserved is what a store holds after all of events: their rows
// merged by key, in (Kind, Key) order.
func mergedObserved(events []observedEvent) []model.ObservedRow {
	type key struct{ tenant, kind, key string }
	byKey := map[key]*model.ObservedRow{}
	for _, e := range events {
		k := key{e.row.Tenant, e.row.Kind, e.row.Key}
		if r, ok := byKey[k]; ok {
			r.Merge(e.row)
		} else {
			r := e.row
			byKey[k] = &r
		}
	}
	var out []model.ObservedRow
	for _, r := range byKey {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b model.ObservedRow) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Key, b.Key))
	})
	return out
}

// testPartitionObservedMerge: observed rows merged from the batches of
// two partitions are those one unpartitioned store gets from the same
// events.
func testPartitionObservedMerge(t *testing.T, db Database) {
	ctx := t.Context()
	events := observedEvents(60, 2)
	want := mergedObserved(events)
	if len(want) < 5 {
		t.Fatalf("fixture: %d keys", len(want))
	}

	// Partitioned, generation 1: partition 1 applies after partition 0
	// has applied everything, and often has the smaller first sequence.
	s := open(t, db, 1)
	views := partitionsOf(t, s, 2)
	const perBatch = 4
	for k, v := range views {
		var rows []model.ObservedRow
		for _, e := range events {
			if e.part == k {
				rows = append(rows, e.row)
			}
		}
		if len(rows) < 10 {
			t.Fatalf("fixture: partition %d has %d events", k, len(rows))
		}
		cp := uint64(0)
		for start := 0; start < len(rows); start += perBatch {
			batch := rows[start:min(start+perBatch, len(rows))]
			to := batch[len(batch)-1].FirstSeq
			apply(t, v, cp, to, model.Batch{Observed: batch})
			cp = to
		}
	}
	got := must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, "acme"))
	same(t, "Observed of the partitions", want, got)

	// Unpartitioned, generation 2: the same events in stream order.
	one := open(t, db, 2)
	var rows []model.ObservedRow
	for _, e := range events {
		rows = append(rows, e.row)
	}
	cp := uint64(0)
	for start := 0; start < len(rows); start += 7 {
		batch := rows[start:min(start+7, len(rows))]
		to := batch[len(batch)-1].FirstSeq
		apply(t, one, cp, to, model.Batch{Observed: batch})
		cp = to
	}
	gotOne := must[[]model.ObservedRow](t, "Observed")(one.Observed(ctx, "acme"))
	same(t, "Observed unpartitioned", want, gotOne)
	same(t, "Observed of the partitions, against unpartitioned", gotOne, got)
}

// testPartitionsConcurrent: four partitions apply at once, each batch
// merging into the same observed rows (listed in different orders by
// different partitions); every row comes out exact.
func testPartitionsConcurrent(t *testing.T, db Database) {
	ctx := t.Context()
	s := open(t, db, 1)
	const parts, batches, auditPerBatch, step = 4, 25, 20, 10
	views := partitionsOf(t, s, parts)
	keys := [][2]string{
		{model.ObservedPurpose, "marketing"}, {model.ObservedPurpose, "essential.service"},
		{model.ObservedRecipient, "rcp-mailer"}, {model.ObservedRecipient, "rcp-crm"},
		{model.ObservedCategory, "user.contact.email"}, {model.ObservedCategory, "user.name"},
	}
	// batchOf is partition k's batch j: audit rows of its own subject and
	// one observed row of every key, with sequences unique in the test.
	batchOf := func(k, j int) model.Batch {
		b := model.Batch{From: uint64(j * step), To: uint64((j + 1) * step)}
		for r := range auditPerBatch {
			seq := uint64(100000 + k*10000 + j*auditPerBatch + r)
			b.Audit = append(b.Audit, auditRow("acme", fmt.Sprintf("sub-%d", k), seq))
		}
		for i, key := range keys {
			seq := uint64((j*parts+k)*len(keys) + i + 1)
			occurred := at(int(seq*13%97) + 1)
			b.Observed = append(b.Observed, model.ObservedRow{Tenant: "acme", Kind: key[0], Key: key[1],
				Count: 1 + uint64(k+i+j)%3, FirstSeq: seq, FirstEventID: "ev-" + itoa(seq),
				FirstOccurred: occurred, LastOccurred: at(int(seq*29%89) + 200)})
		}
		if k%2 == 1 {
			slices.Reverse(b.Observed)
		}
		return b
	}
	var events []observedEvent
	for k := range parts {
		for j := range batches {
			b := batchOf(k, j)
			for _, r := range b.Observed {
				events = append(events, observedEvent{part: k, row: r})
			}
		}
	}
	want := mergedObserved(events)

	var wg sync.WaitGroup
	errs := make(chan error, parts)
	start := make(chan struct{})
	for k, v := range views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for j := range batches {
				b := batchOf(k, j)
				if err := v.Apply(ctx, &b); err != nil {
					errs <- fmt.Errorf("partition %d: batch %d: %w", k, j, err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for k, v := range views {
		if cp := checkpoint(t, v); cp != batches*step {
			t.Errorf("partition %d: Checkpoint = %d, want %d", k, cp, batches*step)
		}
		rows := must[[]model.AuditRow](t, "History")(s.History(ctx, "acme", fmt.Sprintf("sub-%d", k), model.Page{}))
		if len(rows) != batches*auditPerBatch {
			t.Errorf("partition %d: %d audit rows, want %d", k, len(rows), batches*auditPerBatch)
		}
	}
	if cp := checkpoint(t, s); cp != batches*step {
		t.Errorf("store's Checkpoint = %d, want %d", cp, batches*step)
	}
	same(t, "Observed", want, must[[]model.ObservedRow](t, "Observed")(s.Observed(ctx, "acme")))
}

// testPartitionGenerations: partitions belong to a generation; a new one
// is unpartitioned until Partition is called on it, and may be split
// another way.
func testPartitionGenerations(t *testing.T, db Database) {
	ctx := t.Context()
	s1 := db.Open(t, 1)
	closed := false
	t.Cleanup(func() {
		if !closed {
			s1.Close()
		}
	})
	apply(t, partitionOf(t, s1, 0, 4), 0, 3, everyRow("acme", 3))

	s2 := open(t, db, 2)
	if cp := checkpoint(t, s2); cp != 0 {
		t.Errorf("generation 2: Checkpoint = %d, want 0", cp)
	}
	apply(t, s2, 0, 2, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-2", 2)}})
	if cp := checkpoint(t, s2); cp != 2 {
		t.Errorf("generation 2: Checkpoint = %d, want 2", cp)
	}
	_, err := partitioner(t, s2).Partition(ctx, 0, 4)
	wantPartitionsErr(t, "generation 2, applied unpartitioned: Partition(0, 4)", err)

	s3 := open(t, db, 3)
	v := partitionOf(t, s3, 1, 2) // split otherwise than generation 1
	apply(t, v, 0, 5, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-3", 5)}})
	if cp := checkpoint(t, s3); cp != 0 {
		t.Errorf("generation 3: Checkpoint = %d, want 0 (partition 0 is at 0)", cp)
	}
	_, err = partitioner(t, s1).Partition(ctx, 0, 2)
	wantPartitionsErr(t, "generation 1: Partition(0, 2)", err)
	if cp := checkpoint(t, partitionOf(t, s1, 0, 4)); cp != 3 {
		t.Errorf("generation 1: partition 0's Checkpoint = %d, want 3", cp)
	}

	// Dropped and made again, generation 1 is unpartitioned.
	g := db.Generations(t)
	if err := g.Switch(ctx, 1, 2); err != nil {
		t.Fatalf("Switch(1, 2): %v", err)
	}
	closed = true
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := g.Drop(ctx, 1); err != nil {
		t.Fatalf("Drop(1): %v", err)
	}
	again := open(t, db, 1)
	apply(t, again, 0, 1, model.Batch{Audit: []model.AuditRow{auditRow("acme", "sub-1", 1)}})
	if cp := checkpoint(t, again); cp != 1 {
		t.Errorf("generation 1 made again: Checkpoint = %d, want 1", cp)
	}
}

// testPartitionRace: first Partitions with different parts, and an
// unpartitioned Apply, all at once on a new generation: either the Apply
// wins and every Partition fails, or one parts wins, the Partitions with
// it succeed and everything else fails; with ErrPartitions, nothing else.
func testPartitionRace(t *testing.T, db Database) {
	ctx := t.Context()
	for gen := 1; gen <= 6; gen++ {
		s := open(t, db, gen)
		type call struct{ part, parts int }
		calls := []call{{0, 4}, {1, 4}, {2, 4}, {3, 4}, {0, 3}, {2, 3}}
		errs := make([]error, len(calls))
		var applyErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = partitioner(t, s).Partition(ctx, c.part, c.parts)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b := everyRow("acme", 1)
			b.From, b.To = 0, 1
			applyErr = s.Apply(ctx, &b)
		}()
		close(start)
		wg.Wait()

		won := 0 // the parts that won, 0 for the Apply
		if applyErr != nil {
			wantPartitionsErr(t, fmt.Sprintf("generation %d: Apply", gen), applyErr)
			for i, c := range calls {
				if errs[i] == nil {
					if won != 0 && won != c.parts {
						t.Errorf("generation %d: Partitions into %d and into %d both succeeded", gen, won, c.parts)
					}
					won = c.parts
				}
			}
			if won == 0 {
				t.Errorf("generation %d: the Apply and every Partition failed", gen)
			}
		}
		for i, c := range calls {
			if errs[i] != nil && (won == c.parts || !errors.Is(errs[i], model.ErrPartitions)) {
				t.Errorf("generation %d: Partition(%d, %d): %v", gen, c.part, c.parts, errs[i])
			}
		}
		wantCP := uint64(0)
		if won == 0 {
			wantCP = 1
		}
		if cp := checkpoint(t, s); cp != wantCP {
			t.Errorf("generation %d: Checkpoint = %d, want %d", gen, cp, wantCP)
		}
		t.Logf("generation %d: won by %d (0: the unpartitioned Apply)", gen, won)
	}
}
