package lease_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/nats-io/nats-server/v2/server"
)

// jobs records who runs which job, and fails a job run twice at once.
type jobs struct {
	mu      sync.Mutex
	runner  []string // per job, "" when nobody
	twice   atomic.Int32
	perNode map[string]int
}

func newJobs(n int) *jobs { return &jobs{runner: make([]string, n), perNode: map[string]int{}} }

func (j *jobs) run(node string) func(ctx context.Context, i int) {
	return func(ctx context.Context, i int) {
		j.mu.Lock()
		if j.runner[i] != "" {
			j.twice.Add(1)
		}
		j.runner[i] = node
		j.perNode[node]++
		j.mu.Unlock()
		<-ctx.Done()
		j.mu.Lock()
		if j.runner[i] == node {
			j.runner[i] = ""
		}
		j.perNode[node]--
		j.mu.Unlock()
	}
}

// spread returns how many jobs run and the most one node runs.
func (j *jobs) spread() (running, most int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.runner {
		if r != "" {
			running++
		}
	}
	for _, n := range j.perNode {
		most = max(most, n)
	}
	return running, most
}

func share(t *testing.T, s *server.Server, node string, names []string, j *jobs) context.CancelFunc {
	t.Helper()
	_, js := natstest.Connect(t, s)
	kv, err := lease.OpenBucket(context.Background(), js, 1, ttl)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := lease.Share(ctx, lease.Config{KV: kv, Holder: node, TTL: ttl}, names, j.run(node)); err != nil {
			t.Error(err)
		}
	}()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// TestShareSpreadsJobs: eight jobs over three replicas run once each, at
// most three per replica; when one replica stops the others take its jobs;
// when a fourth joins, the jobs spread again.
func TestShareSpreadsJobs(t *testing.T) {
	s := natstest.Start(t)
	var names []string
	for i := range 8 {
		names = append(names, fmt.Sprintf("projector-g1-p%d", i))
	}
	j := newJobs(len(names))
	stops := map[string]context.CancelFunc{}
	for _, n := range []string{"a", "b", "c"} {
		stops[n] = share(t, s, n, names, j)
	}
	settled := func(what string, most int) {
		t.Helper()
		waitFor(t, what, 20*ttl, func() bool { r, m := j.spread(); return r == len(names) && m <= most })
		r, m := j.spread()
		t.Logf("%s: %d jobs running, at most %d on one replica", what, r, m)
	}
	settled("three replicas", 3)
	stops["a"]()
	settled("a stopped", 4)
	stops["d"] = share(t, s, "d", names, j)
	settled("d joined", 3)
	time.Sleep(ttl)
	if n := j.twice.Load(); n > 0 {
		t.Errorf("%d times a job ran on two replicas at once", n)
	}
}
