package faults_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
)

// mountTmpfs mounts a tmpfs of the given size (such as "64m") on a new
// temporary directory and unmounts it when the test ends. Root ignores
// file modes, so a read-only or full data dir has to be a file system of
// its own. Where mounting is not permitted the test is skipped (in CI it
// fails).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+size+",mode=0700"); err != nil {
		cannotRun(t, "mount -t tmpfs on %s: %v: this test needs a file system it can make read-only or fill", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("umount %s: %v", dir, err)
		}
	})
	return dir
}

// remount changes a tmpfs mounted by mountTmpfs: read-only, read-write, or
// another size.
func remount(t *testing.T, dir string, readOnly bool, data string) {
	t.Helper()
	flags := uintptr(syscall.MS_REMOUNT | syscall.MS_NOSUID | syscall.MS_NODEV)
	if readOnly {
		flags |= syscall.MS_RDONLY
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, data); err != nil {
		t.Fatalf("remount %s (read-only %v, %q): %v", dir, readOnly, data, err)
	}
}

// snapshot is every file under dir with its size and SHA-256.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = fmt.Sprintf("%d %x", len(b), sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// changed lists the files that differ between two snapshots.
func changed(a, b map[string]string) []string {
	var out []string
	for f, h := range a {
		if b[f] != h {
			out = append(out, f)
		}
	}
	for f := range b {
		if _, ok := a[f]; !ok {
			out = append(out, f+" (new)")
		}
	}
	sort.Strings(out)
	return out
}

// appendN appends n fresh events with d's client in batches of 50 and
// returns them with their sequences.
func (d *docketd) appendN(t *testing.T, ref string, n int) map[string]uint64 {
	t.Helper()
	acked := map[string]uint64{}
	for i := 0; i < n; i += 50 {
		evs := make([]*eventsv1.Event, min(50, n-i))
		for j := range evs {
			evs[j] = newEvent(ref, i+j)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, err := d.client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: evs}))
		cancel()
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		for _, r := range resp.Msg.GetResults() {
			acked[r.GetEventId()] = r.GetSequence()
		}
	}
	return acked
}

// checkStreamWhole fails the test unless the stream holds sequences
// 1..last, each once, with every acknowledged event at its sequence.
func checkStreamWhole(t *testing.T, st streamState, acked map[string]uint64) {
	t.Helper()
	missing, moved := st.checkAcked(acked)
	dupIDs, _ := st.duplicates()
	holes := 0
	for seq := uint64(1); seq <= st.last; seq++ {
		if _, ok := st.idAt[seq]; !ok {
			holes++
		}
	}
	if len(missing)+len(moved)+dupIDs+holes > 0 || st.msgs != st.last {
		t.Errorf("stream: %d messages up to sequence %d, %d holes, acknowledged events missing %d %v, moved %d %v, ids stored twice %d",
			st.msgs, st.last, holes, len(missing), head(missing), len(moved), head(moved), dupIDs)
	}
}

// mentionsPath reports whether an error message names the data dir or a
// path inside it, or the data_dir setting.
func mentionsPath(msg, dir string) bool {
	return strings.Contains(msg, dir) || strings.Contains(msg, "data_dir")
}

// TestReadOnlyDataDir starts docketd on a data dir that is a read-only
// file system: once on a data dir docketd had written (then remounted
// read-only), once on an empty one. docketd must refuse to start, promptly
// and with an error naming the path or the data_dir setting, leave the
// files as they were, and start with everything in place once the file
// system is writable again.
func TestReadOnlyDataDir(t *testing.T) {
	t.Run("written, then read-only", func(t *testing.T) {
		t.Parallel()
		dir := mountTmpfs(t, "64m")
		cfg := baseConfig(t, dir)
		d := startDocketd(t, cfg)
		acked := d.appendN(t, "ro-1", 500)
		waitProjected(t, d, 500, time.Minute)
		d.stop(t)
		before := snapshot(t, dir)

		remount(t, dir, true, "")
		refusedStart(t, cfg)
		if c := changed(before, snapshot(t, dir)); len(c) > 0 {
			t.Errorf("files changed on a read-only file system: %v", c)
		}

		remount(t, dir, false, "")
		d3 := startDocketd(t, cfg)
		st := readStream(t, d3.JetStream())
		checkStreamWhole(t, st, acked)
		more := d3.appendN(t, "ro-2", 100)
		waitProjected(t, d3, st.last+100, time.Minute)
		gen := d3.ReadModels().Status().Generation
		st = readStream(t, d3.JetStream())
		d3.stop(t)
		audit := compareAudit(sqliteAudit(t, filepath.Join(dir, "readmodels.db"), gen), st)
		t.Logf("%d files unchanged; writable again: started, stream holds %d messages (all %d acknowledged before), %d more appended; %s",
			len(before), st.msgs, len(acked), len(more), audit)
		if !audit.ok() {
			t.Errorf("read models: %s", audit)
		}
	})
	t.Run("empty and read-only at first start", func(t *testing.T) {
		t.Parallel()
		dir := mountTmpfs(t, "64m")
		remount(t, dir, true, "")
		cfg := baseConfig(t, dir)
		refusedStart(t, cfg)
		if files := snapshot(t, dir); len(files) > 0 {
			t.Errorf("files on a read-only file system: %v", files)
		}
		remount(t, dir, false, "")
		d2 := startDocketd(t, cfg)
		acked := d2.appendN(t, "ro-3", 100)
		checkStreamWhole(t, readStream(t, d2.JetStream()), acked)
		t.Logf("writable again: started and stored %d events", len(acked))
	})
}

// refusedStart starts docketd on cfg, whose data dir is read-only: it must
// fail within 10s with an error naming the data dir or data_dir.
func refusedStart(t *testing.T, cfg config.Config) {
	t.Helper()
	start := time.Now()
	d, err := docketdtest.TryStart(t, cfg, docketdtest.WithLogLevel(slog.LevelInfo), docketdtest.WithTimeout(time.Minute))
	took := time.Since(start)
	if err == nil {
		_ = d.Shutdown(context.Background())
		t.Fatalf("docketd started on a read-only data dir")
	}
	t.Logf("read-only data dir: start failed after %s with: %v", took.Round(time.Millisecond), err)
	if !mentionsPath(err.Error(), cfg.DataDir) {
		t.Errorf("on a read-only data dir the start error names neither the data dir nor data_dir, nor says read-only: %q "+
			"(natsembed checks the store dir is writable before starting the server, and returns the server's fatal error)%s", err, logTail(d.Logs))
	}
	if took > 10*time.Second {
		t.Errorf("docketd took %s to give up on a read-only data dir (natsembed should return the server's fatal error at once)", took.Round(time.Second))
	}
}

func logTail(logs *docketdtest.Logs) string {
	if tail := logs.Tail(10); strings.TrimSpace(tail) != "" {
		return "; docketd log: " + tail
	}
	return ""
}

// fill writes a file into dir until the file system is full (ENOSPC) and
// returns its size.
func fill(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	for _, size := range []int{1 << 20, 64 << 10, 4 << 10, 512} {
		chunk := make([]byte, size)
		for {
			w, err := f.Write(chunk)
			n += int64(w)
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				t.Fatalf("filling the disk: %v", err)
			}
		}
	}
	return n
}

// TestFullDisk runs docketd on the embedded default with its data dir on
// a small tmpfs under an append load, then fills the file system. Appends
// must fail with an error that says why, not crash docketd or hang; once
// the space is freed docketd must restart on the same dir with every
// acknowledged event in the stream, the stream whole, the read models
// matching it, and appends working.
func TestFullDisk(t *testing.T) {
	// Both modes in `make test` too: with atomic_append=false the stream's
	// store fails on the full disk (the appends in flight time out after
	// 10s), and only natsembed's restart of JetStream brings it back.
	for _, atomic := range []bool{true, false} {
		t.Run(fmt.Sprintf("atomic_append=%v", atomic), func(t *testing.T) { fullDisk(t, atomic) })
	}
}

func fullDisk(t *testing.T, atomic bool) {
	workers, batch := scale(2, 4), scale(20, 50)
	dir := mountTmpfs(t, scale("48m", "128m"))
	cfg := baseConfig(t, dir)
	cfg.AtomicAppend = &atomic
	cfg.CheckpointInterval = config.Duration(time.Second) // the notary writes its tree at least every second
	d := startDocketd(t, cfg)
	l := startLoad(d.client, workers, batch)
	defer l.stop()
	if !l.waitAcked(scale(300, 3000), time.Minute) {
		t.Fatalf("the load does not progress: %s", l.summary())
	}
	filler := filepath.Join(dir, "filler")
	filled := fill(t, filler)
	filledAt, ackedAtFill, failedAtFill := time.Now(), l.ackedN(), l.failedN()

	// Appends must start failing: no acknowledgement for 3s and failed calls.
	stalled := eventually(scale(60*time.Second, 2*time.Minute), func() bool {
		return l.sinceLastAck() > 3*time.Second && l.failedN() > failedAtFill
	}) == nil
	ackedFull := l.ackedN() - ackedAtFill
	healthz, readyz := httpStatus(d.APIURL()+"/healthz"), httpStatus(d.APIURL()+"/readyz")
	t.Logf("disk filled (%d MiB filler) with %d events acknowledged; %d more acknowledged after; appends failing: %v after %s; healthz %d, readyz %d; %s",
		filled>>20, ackedAtFill, ackedFull, stalled, time.Since(filledAt).Round(time.Millisecond), healthz, readyz, l.summary())
	if !stalled {
		t.Errorf("appends did not fail on a full disk")
	}
	if healthz != http.StatusOK {
		t.Errorf("docketd's API is gone on a full disk: healthz %d", healthz)
	}
	if readyz != http.StatusServiceUnavailable {
		t.Errorf("readyz on a full disk: %d, want 503 (the store takes no appends)", readyz)
	}
	l.mu.Lock()
	var clear, unclear []string
	for msg := range l.samples {
		if strings.Contains(msg, "space") || strings.Contains(msg, "disk") || strings.Contains(msg, "storage") || strings.Contains(msg, "resources") {
			clear = append(clear, msg)
		} else {
			unclear = append(unclear, msg)
		}
	}
	l.mu.Unlock()
	if stalled && len(clear) == 0 {
		why := "the publish acknowledgement never comes (nats-server does not answer a store that failed on an I/O error) and the call ends on docketd's 10s ack timeout"
		if atomic {
			why = "nats-server answers err_code 10176 when it cannot create the batch's staging store on disk, dropping the cause"
		}
		t.Errorf("on a full disk (atomic_append=%v) append errors do not say why: %q (%s); the ingest service's "+
			"storage check (natsembed.Storage) should name the full disk", atomic, unclear, why)
	}

	// Space back, docketd still running.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freedAt, ackedAtFree := time.Now(), l.ackedN()
	resumed := l.waitAcked(ackedAtFree+workers*batch+1, 20*time.Second)
	resumedAfter := time.Since(freedAt)
	readyAgain := eventually(10*time.Second, func() bool { return httpStatus(d.APIURL()+"/readyz") == http.StatusOK }) == nil
	t.Logf("space freed with docketd running: appends resumed without a restart: %v (after %s); ready again: %v; JetStream restarted in the process %d times",
		resumed, resumedAfter.Round(time.Millisecond), readyAgain, d.Embedded().Restarts())
	if !resumed {
		t.Errorf("appends did not resume within 20s of the space coming back: %s", l.summary())
	}
	if !readyAgain {
		t.Errorf("readyz stays %d once the disk has space again", httpStatus(d.APIURL()+"/readyz"))
	}
	l.stop()
	l.checkFatal(t)
	acked := l.ackedIDs()

	// The read models and the notary catch up with the stream by themselves.
	// (The projector's backoff may have grown to 12.8s meanwhile; the
	// notary signs at least every second.)
	var s *apiv1.GetStatusResponse
	readCaughtUp := eventually(30*time.Second, func() bool {
		s = d.status(t)
		return s.GetReadModels().GetCheckpoint() >= s.GetStreamLastSequence()
	}) == nil
	notaryCaughtUp := eventually(scale(10*time.Second, 30*time.Second), func() bool {
		s = d.status(t)
		return s.GetNotary().GetCheckpointSize() >= s.GetStreamLastSequence()
	}) == nil
	t.Logf("without a restart: stream at %d, read models at %d (last error %q), notary tree %d, signed checkpoint %d (last error %q); notary failures logged %d",
		s.GetStreamLastSequence(), s.GetReadModels().GetCheckpoint(), s.GetReadModels().GetLastError(),
		s.GetNotary().GetTreeSize(), s.GetNotary().GetCheckpointSize(), s.GetNotary().GetLastError(), d.Logs.Count("notary: failed"))
	if !readCaughtUp {
		t.Errorf("the read models did not catch up within 30s of the space coming back: %d of %d (%s)",
			s.GetReadModels().GetCheckpoint(), s.GetStreamLastSequence(), s.GetReadModels().GetLastError())
	}
	if notaryCaughtUp && s.GetNotary().GetLastError() != "" {
		t.Errorf("the notary caught up but its status still reports the error of the full disk: %q", s.GetNotary().GetLastError())
	}
	if !notaryCaughtUp {
		t.Errorf("after a write error on a full disk the notary does not recover without a restart: its last signed checkpoint "+
			"stays at %d of %d once space is back (%q): notary.run retries with the same broken merkle.Tree instead of reopening it",
			s.GetNotary().GetCheckpointSize(), s.GetStreamLastSequence(), s.GetNotary().GetLastError())
	}
	d.stop(t)

	// Restart on the same dir.
	d2 := startDocketd(t, cfg)
	st := readStream(t, d2.JetStream())
	checkStreamWhole(t, st, acked)
	more := d2.appendN(t, "after-full", 100)
	waitProjected(t, d2, st.last+100, 2*time.Minute)
	if err := eventually(time.Minute, func() bool { return d2.status(t).GetNotary().GetCheckpointSize() >= st.last+100 }); err != nil {
		t.Errorf("after the restart the notary's last checkpoint is at %d of %d", d2.status(t).GetNotary().GetCheckpointSize(), st.last+100)
	}
	gen := d2.ReadModels().Status().Generation
	st = readStream(t, d2.JetStream())
	d2.stop(t)
	audit := compareAudit(sqliteAudit(t, filepath.Join(dir, "readmodels.db"), gen), st)
	t.Logf("restarted after the disk was full: stream holds %d messages (all %d acknowledged present), %d appended after, notary caught up; %s",
		st.msgs, len(acked), len(more), audit)
	if !audit.ok() {
		t.Errorf("read models after a full disk: %s", audit)
	}
}

// httpStatus is the status of a GET of url, or 0.
func httpStatus(url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
