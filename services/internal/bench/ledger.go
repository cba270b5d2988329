package bench

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/notary"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"
)

// LedgerConfig sizes the verifiable-ledger run.
type LedgerConfig struct {
	Events int // demo events in the stream
	Proofs int // inclusion proofs generated and verified
}

// RunLedger measures the notary, `verify log` and proofs, against raw
// SHA-256 and a raw ordered-consumer read of the same stream.
func RunLedger(ctx context.Context, cfg LedgerConfig, w io.Writer) error {
	dir, err := os.MkdirTemp("", "docket-bench-ledger-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(w, "\ndocket verifiable ledger: %d demo events\n\n", cfg.Events)
	s, js, n, err := demoStream(ctx, dir, cfg.Events)
	if err != nil {
		return err
	}
	defer s.Shutdown()
	data, err := readAll(ctx, js, n)
	if err != nil {
		return err
	}

	// Hashing and tree building, in memory and on disk.
	start := time.Now()
	for _, d := range data {
		_ = sha256.Sum256(d)
	}
	rawSHA := float64(n) / time.Since(start).Seconds()
	start = time.Now()
	leaves := make([]tlog.Hash, n)
	for i, d := range data {
		leaves[i] = tlog.RecordHash(d)
	}
	hashing := float64(n) / time.Since(start).Seconds()
	tree, err := merkle.Open(mkdir(dir, "tree"))
	if err != nil {
		return err
	}
	defer tree.Close()
	start = time.Now()
	for i := 0; i < n; i += 10000 {
		if err := tree.Append(leaves[i:min(i+10000, n)]); err != nil {
			return err
		}
	}
	if err := tree.Sync(); err != nil {
		return err
	}
	building := float64(n) / time.Since(start).Seconds()

	// The notary end to end: fetch, hash, append, sign checkpoints.
	skey, vkey, err := checkpoint.GenerateKey("bench")
	if err != nil {
		return err
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		return err
	}
	verifier, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		return err
	}
	ntree, err := merkle.Open(mkdir(dir, "notary"))
	if err != nil {
		return err
	}
	defer ntree.Close()
	nt, err := notary.New(js, ntree, signer, notary.Config{Origin: "bench.docket/ledger"}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	start = time.Now()
	if err := nt.CatchUp(ctx); err != nil {
		return err
	}
	notaryRate := float64(n) / time.Since(start).Seconds()

	// Raw read of the same stream, then `verify log` over it.
	fetch, err := rawFetch(ctx, js, n, notary.VerifyFetch)
	if err != nil {
		return err
	}
	cps, err := js.Stream(ctx, notary.DefaultCheckpointStream)
	if err != nil {
		return err
	}
	latest, err := notary.Latest(ctx, cps)
	if err != nil {
		return err
	}
	rep, err := notary.Verify(ctx, js, notary.VerifyConfig{Trusted: latest.Checkpoint, Log: verifier, Dir: dir})
	if err != nil {
		return err
	}
	if rep.Divergence != nil {
		return fmt.Errorf("verify log: %s", rep.Divergence)
	}
	verifyRate := float64(rep.Size) / rep.Elapsed.Seconds()

	fmt.Fprintf(w, "%-58s %12s %8s\n", "scenario", "events/s", "ratio")
	fmt.Fprintf(w, "%-58s %12.0f %8s\n", "raw SHA-256 of the stored bytes", rawSHA, "1.00")
	fmt.Fprintf(w, "%-58s %12.0f %8.2f\n", "leaf hashes (SHA-256 of 0x00 || stored bytes)", hashing, hashing/rawSHA)
	fmt.Fprintf(w, "%-58s %12.0f %8.2f\n", "tree building (append leaf hashes, on disk, fsync)", building, building/rawSHA)
	fmt.Fprintf(w, "%-58s %12.0f %8.2f\n", "notary (fetch, hash, append, sign checkpoints)", notaryRate, notaryRate/rawSHA)
	fmt.Fprintf(w, "%-58s %12.0f %8s\n", fmt.Sprintf("raw JetStream fetch (ordered consumer, %d/fetch)", notary.VerifyFetch), fetch, "1.00")
	fmt.Fprintf(w, "%-58s %12.0f %8.2f\n", "verify log (read, hash, rebuild, check checkpoints)", verifyRate, verifyRate/fetch)
	fmt.Fprintln(w, "ratio: the first four to raw SHA-256, verify log to raw fetch")

	// Proofs against the latest checkpoint.
	size := latest.Checkpoint.Size
	proofs := make([]tlog.RecordProof, cfg.Proofs)
	seqs := make([]int64, cfg.Proofs)
	start = time.Now()
	for i := range proofs {
		seqs[i] = 1 + int64(i)*(size-1)/int64(max(cfg.Proofs-1, 1))
		if proofs[i], err = ntree.ProveRecord(size, seqs[i]-1); err != nil {
			return err
		}
	}
	prove := time.Since(start) / time.Duration(cfg.Proofs)
	start = time.Now()
	for i, p := range proofs {
		sc, err := checkpoint.Open(latest.Note, verifier, nil)
		if err != nil {
			return err
		}
		if err := checkpoint.VerifyInclusion(sc.Checkpoint, uint64(seqs[i]), data[seqs[i]-1], p); err != nil {
			return err
		}
	}
	verify := time.Since(start) / time.Duration(cfg.Proofs)
	fmt.Fprintf(w, "\n%-58s %12s %12s\n", fmt.Sprintf("inclusion proofs at a tree of %d events", size), "per proof", "per second")
	fmt.Fprintf(w, "%-58s %12s %12.0f\n", "generate (notary's tree on disk)", prove, float64(time.Second)/float64(prove))
	fmt.Fprintf(w, "%-58s %12s %12.0f\n", "verify (open the signed checkpoint, check the path)", verify, float64(time.Second)/float64(verify))
	return nil
}

func mkdir(parent, name string) string {
	d := filepath.Join(parent, name)
	_ = os.MkdirAll(d, 0o700)
	return d
}

// readAll reads the stored bytes of the first n events.
func readAll(ctx context.Context, js jetstream.JetStream, n int) ([][]byte, error) {
	s, err := js.Stream(ctx, events.DefaultStream)
	if err != nil {
		return nil, err
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, n)
	for len(out) < n {
		msgs, err := cons.Fetch(2000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, err
		}
		got := 0
		for m := range msgs.Messages() {
			out = append(out, m.Data())
			got++
		}
		if got == 0 {
			return nil, errors.New("the stream ended early")
		}
	}
	return out[:n], nil
}
