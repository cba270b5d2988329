// Package sqlite is the embedded read-model store: model.Store on one
// SQLite file through modernc.org/sqlite (pure Go, driver name "sqlite").
//
// The file runs in WAL mode with synchronous=NORMAL: a commit survives a
// process crash, and may be lost on a power cut — harmless here, since a
// read model is rebuilt from the stream and the checkpoint lives in the
// same transaction as the rows. A Store holds two pools on the file: one
// connection for writes (the projector is the single writer; Apply and
// migrations run there, BEGIN IMMEDIATE) and a pool of query-only
// connections for reads, which WAL lets run while an Apply is in progress;
// they see the state as of the last commit, never part of a batch.
//
// Apply writes one transaction: the checkpoint row first (so a batch that
// does not start at the stored checkpoint writes nothing), then multi-row
// INSERTs of up to 100 rows through statements prepared once per Store.
// WAL checkpoints run mostly in a background goroutine on their own
// connection. Measured on 2 cores with BenchmarkApply (500 audit rows and
// 100 disclosures per batch, back to back): about 80k audit rows/s on
// tmpfs and in the first few hundred thousand rows on disk; on the VM's
// ext4 disk ~50-55k sustained, bounded by checkpoint I/O (without
// checkpoints, ~130k).
//
// Tables belong to one generation and are prefixed with it (g1_audit,
// g1_subjects, ...); the shared table docket_generation records the
// current generation (see Generations). Each generation's schema is
// versioned in its own g<N>_schema_migrations table, brought up to date by
// Open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/docketledger/docket/projections/model"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeoutMillis is how long a statement waits for another connection's
// write lock (a second process, or Generations on another handle).
const busyTimeoutMillis = 10000

// Store is model.Store on one SQLite file, for one generation.
type Store struct {
	gen    int
	prefix string
	w      *sql.DB // one connection: Apply, migrations
	r      *sql.DB // query-only pool

	inserts map[*table]*sql.Stmt // prepared on w, reused by every Apply

	// Checkpoints copy the WAL back into the file mostly on their own
	// connection and goroutine, off the Apply path: every checkpointEvery
	// commits, Apply kicks the goroutine (see checkpoints).
	ckpt      *sql.DB
	kick      chan struct{}
	ckptDone  chan struct{}
	commits   atomic.Uint64
	closeOnce sync.Once
	closeErr  error
}

// Tuning, measured with BenchmarkApply on 2 cores (see the package
// documentation).
const (
	// checkpointEvery commits, Apply kicks a background checkpoint.
	checkpointEvery = 16
	// walAutoCheckpoint pages (4 KiB) in the WAL make the writer
	// checkpoint at commit: a background checkpoint, racing the next
	// Apply, never finishes exactly when a transaction starts, and only
	// then does SQLite restart the WAL from its beginning. So this bounds
	// the WAL (about 40 MiB), and by then the background has copied most
	// frames, leaving the writer little to do.
	walAutoCheckpoint = 10000
	// cacheKiB of page cache for the writer, which keeps the hot index
	// pages of a growing file.
	cacheKiB = 65536
	// pageSize: 4 KiB pages beat larger ones here (fewer bytes rewritten
	// per random index insert).
	pageSize = 4096
)

var _ model.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite file at path and the tables of
// generation (≥ 1), applying any migration they lack. The directory must
// exist. Close the Store when done.
func Open(ctx context.Context, path string, generation int) (*Store, error) {
	if generation < 1 {
		return nil, fmt.Errorf("sqlite store: generation %d: must be at least 1", generation)
	}
	w, r, err := openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	ckpt, err := sql.Open("sqlite", uriOf(path)+fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMillis))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	s := &Store{gen: generation, prefix: prefix(generation), w: w, r: r,
		ckpt: ckpt, kick: make(chan struct{}, 1), ckptDone: make(chan struct{})}
	go s.checkpoints()
	if err := migrate(ctx, w, s.prefix); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite store %s: generation %d: %w", path, generation, err)
	}
	if err := s.prepareInserts(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite store %s: generation %d: %w", path, generation, err)
	}
	return s, nil
}

// uriOf is a file: URI for path, so that any character of it is taken
// literally (a '?' is not the start of parameters).
func uriOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return "file:" + (&url.URL{Path: abs}).EscapedPath()
}

func prefix(gen int) string { return fmt.Sprintf("g%d_", gen) }

// openFile opens the writer connection and the reader pool on path.
func openFile(ctx context.Context, path string) (w, r *sql.DB, err error) {
	if path == "" {
		return nil, nil, errors.New("sqlite store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite store: path %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if fi, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("sqlite store: directory %s of %s: %w", dir, path, err)
	} else if !fi.IsDir() {
		return nil, nil, fmt.Errorf("sqlite store: %s, parent of %s, is not a directory", dir, path)
	}
	uri := uriOf(abs)
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMillis)

	// temp_store(MEMORY): the statement journal of a multi-row INSERT stays
	// off the disk.
	w, err = sql.Open("sqlite", fmt.Sprintf("%s?%s&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"+
		"&_pragma=cache_size(-%d)&_pragma=wal_autocheckpoint(%d)&_txlock=immediate", uri, busy, cacheKiB, walAutoCheckpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer puts the file in WAL mode before any reader opens it;
	// page_size only takes on a new file, before WAL mode.
	for _, pragma := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := w.ExecContext(ctx, pragma); err != nil {
			w.Close()
			return nil, nil, fmt.Errorf("sqlite store %s: %s: %w", path, pragma, err)
		}
	}
	r, err = sql.Open("sqlite", uri+"?"+busy+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return w, r, nil
}

// Generation is the generation whose tables s reads and writes.
func (s *Store) Generation() int { return s.gen }

// Close stops the checkpoints and closes the connections; it may be called
// more than once. Apply must not be running.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.kick)
		<-s.ckptDone
		var errs []error
		for _, st := range s.inserts {
			errs = append(errs, st.Close())
		}
		errs = append(errs, s.r.Close(), s.w.Close(), s.ckpt.Close())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// checkpoints runs a passive checkpoint (one that waits for nobody) each
// time Apply kicks it, until Close. One that fails or cannot finish
// because of readers is simply retried at the next kick; the WAL grows
// meanwhile.
func (s *Store) checkpoints() {
	defer close(s.ckptDone)
	for range s.kick {
		_, _ = s.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// committed counts a commit and kicks the checkpoints now and then.
func (s *Store) committed() {
	if s.commits.Add(1)%checkpointEvery == 0 {
		select {
		case s.kick <- struct{}{}:
		default: // one is pending already
		}
	}
}

// t names one of the generation's tables.
func (s *Store) t(name string) string { return s.prefix + name }
