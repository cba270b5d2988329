package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
)

// newKeysRotateKEKCmd is `docket keys rotate-kek`: it re-wraps every data key in
// the key bucket from the old key-encryption key to the new one. The data
// keys stay the same, so every sealed value in the log still opens; the
// events stream is not touched. docketd must be stopped meanwhile (it would
// wrap new data keys with the old KEK, and fail to unwrap rewrapped ones
// once its cache expires); afterwards start it with --kek-file NEW.
func newKeysRotateKEKCmd() *cobra.Command {
	var dataDir, oldFile, newFile, bucket string
	c := newCommand("rotate-kek (--nats-url URL | --data-dir DIR) --old-kek-file F --new-kek-file F", "re-wrap every data key from the old key-encryption key to the new one (docketd stopped)", args(), nil)
	conn := natsFlags(c, "docket-keys-rotate-kek", "", "NATS server holding the key bucket (docketd with an external NATS); docketd must be stopped")
	c.Flags().StringVar(&dataDir, "data-dir", "", "docketd's data directory, for the embedded NATS (docketd must be stopped): its store is opened in this process")
	c.Flags().StringVar(&oldFile, "old-kek-file", "", "the key-encryption key the data keys are wrapped with now (mode 0600)")
	c.Flags().StringVar(&newFile, "new-kek-file", "", "the key-encryption key to wrap them with (mode 0600; make one with docket keys generate-kek)")
	c.Flags().StringVar(&bucket, "bucket", keys.DefaultKVBucket, "the key bucket")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		return rotateKEK(cmd.Context(), conn, dataDir, oldFile, newFile, bucket, cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	return c
}

func rotateKEK(ctx context.Context, conn *natsConn, dataDir, oldFile, newFile, bucket string, stdout, stderr io.Writer) error {
	var errs []error
	if (conn.url == "") == (dataDir == "") {
		errs = append(errs, errors.New("exactly one of --nats-url and --data-dir is required"))
	}
	errs = append(errs, conn.check())
	if oldFile == "" || newFile == "" {
		errs = append(errs, errors.New("--old-kek-file and --new-kek-file are required"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	oldKEK, err := keys.LoadKEKFile(oldFile, false) // refuses modes wider than 0600
	if err != nil {
		return fmt.Errorf("--old-kek-file: %w", err)
	}
	newKEK, err := keys.LoadKEKFile(newFile, false)
	if err != nil {
		return fmt.Errorf("--new-kek-file: %w", err)
	}
	if oldKEK.ID() == newKEK.ID() {
		return fmt.Errorf("--old-kek-file and --new-kek-file hold the same key (KEK %s)", oldKEK.ID())
	}

	nc, stop, err := connectKeyStore(conn, dataDir)
	if err != nil {
		return err
	}
	defer stop()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	// Open the bucket only if it exists: NewKVStore would create an empty
	// one at a wrong address.
	if _, err := js.Stream(ctx, "KV_"+bucket); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("no key bucket %s on this NATS server (wrong --nats-url, --data-dir or --bucket?)", bucket)
		}
		return fmt.Errorf("key bucket %s: %w", bucket, err)
	}
	store, err := keys.NewKVStore(ctx, js, keys.KVConfig{Bucket: bucket})
	if err != nil {
		return err
	}

	fmt.Fprintf(stderr, "rewrapping the data keys of bucket %s from KEK %s to KEK %s\n", bucket, oldKEK.ID(), newKEK.ID())
	stats, err := keys.Rewrap(ctx, store, oldKEK, newKEK)
	printRewrapStats(stdout, stats)
	if err != nil {
		if !errors.Is(err, keys.ErrRewrapCheck) {
			err = fmt.Errorf("%w\nthe rotation stopped half-way; run the same command again to finish it", err)
		}
		return err
	}
	// Keys under another KEK now were created during the run: a docketd
	// still running with the old KEK.
	others, err := countOtherKEKs(ctx, store, newKEK.ID())
	if err != nil {
		return err
	}
	if others > 0 {
		return fmt.Errorf("%d data keys are not wrapped by the new KEK after the run (is docketd still running with the old one?); stop docketd and run the same command again", others)
	}
	fmt.Fprintf(stderr, "done: start docketd with --kek-file %s; keep %s until you are sure nothing needs it\n", newFile, oldFile)
	return nil
}

func printRewrapStats(w io.Writer, s keys.RewrapStats) {
	fmt.Fprintf(w, "rewrapped: %d\nalready on the new KEK: %d\nshredded (skipped): %d\n", s.Rewrapped, s.AlreadyNew, s.Shredded)
}

// connectKeyStore connects to the NATS server of --nats-url, or starts
// docketd's embedded server on dataDir in this process, accepting no
// network clients.
func connectKeyStore(conn *natsConn, dataDir string) (*nats.Conn, func(), error) {
	if conn.url != "" {
		nc, err := conn.connect()
		if err != nil {
			return nil, nil, err
		}
		return nc, nc.Close, nil
	}
	if _, err := os.Stat(filepath.Join(dataDir, "jetstream")); err != nil {
		return nil, nil, fmt.Errorf("--data-dir: no NATS store in it: %w", err)
	}
	ns, err := natsembed.Start(natsembed.Config{Dir: dataDir, SyncAlways: true})
	if err != nil {
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	}
	// It logs in as docketd, with the password docketd wrote in dataDir.
	nc, err := nats.Connect("", append(ns.ConnectOptions(), nats.Name("docket-keys-rotate-kek"))...)
	if err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	}
	return nc, func() {
		nc.Close()
		ns.Shutdown()
		ns.WaitForShutdown()
	}, nil
}

// countOtherKEKs counts the live data keys not wrapped by the KEK with id.
func countOtherKEKs(ctx context.Context, store keys.Store, id string) (int, error) {
	refs, err := store.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		w, err := store.Get(ctx, r)
		if errors.Is(err, keys.ErrShredded) || errors.Is(err, keys.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if w.KEKID != id {
			n++
		}
	}
	return n, nil
}

func newKeysGenerateKEKCmd() *cobra.Command {
	var out string
	c := newCommand("generate-kek --out FILE", "write a new key-encryption key file (0600, never overwriting one) and print its id", args(),
		func(cmd *cobra.Command, _ []string) error {
			kek, err := keys.GenerateKEKFile(out)
			if err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "KEK %s written to %s\n", kek.ID(), out)
			return nil
		})
	outFlag(c, &out, "file to write the key-encryption key to (created 0600, never overwritten)")
	return c
}
