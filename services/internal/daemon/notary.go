package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
)

// notaryPart is the notary: its Merkle tree (every replica folds its own,
// and serves proofs from it), its signing key, the checkpoint stream, and
// the keys whose signatures on checkpoints are accepted. The replica
// holding the notary lease signs.
type notaryPart struct {
	tree        *merkle.Tree
	notary      *notary.Notary
	checkpoints jetstream.Stream
	signer      note.Signer   // the log's key
	publicKey   string        // its verifier key
	verifier    note.Verifier // of publicKey
	witnesses   []note.Verifier
	lead        atomic.Bool // this replica holds the notary lease
	stop        func()      // ends the notary; nil until run
}

// openNotary loads (or, the first time, creates) the signing key, creates
// or looks up the checkpoint stream, and opens the tree.
func openNotary(ctx context.Context, cfg config.Config, js jetstream.JetStream, log *slog.Logger) (_ *notaryPart, err error) {
	n := &notaryPart{}
	if n.signer, n.publicKey, err = notaryKey(cfg.NotaryKey, cfg.NotaryKeyPath(), cfg.LogOrigin); err != nil {
		return nil, fmt.Errorf("notary key: %w", err)
	}
	if n.verifier, err = checkpoint.NewVerifier(n.publicKey); err != nil {
		return nil, fmt.Errorf("notary key: %w", err)
	}
	for _, k := range cfg.WitnessKeys {
		v, err := checkpoint.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("witness_keys: %w", err)
		}
		n.witnesses = append(n.witnesses, v)
	}
	if err := placed(ctx, log, "checkpoint stream", func(ctx context.Context) (err error) {
		n.checkpoints, err = notary.EnsureCheckpointStream(ctx, js, notary.CheckpointStreamConfig{Replicas: cfg.StreamReplicas})
		return err
	}); err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.DataDir, "notary")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	if n.tree, err = merkle.Open(dir); err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	n.notary, err = notary.New(js, n.tree, n.signer, notary.Config{
		Origin:    cfg.LogOrigin,
		Durable:   notaryDurable(cfg),
		Every:     cfg.CheckpointEvery,
		Interval:  time.Duration(cfg.CheckpointInterval),
		Publishes: n.lead.Load,
	}, log)
	if err != nil {
		n.Close(log)
		return nil, err
	}
	return n, nil
}

// run starts folding and, while this replica holds the notary lease,
// signing. When the notary stops, the campaign for the lease ends too.
func (n *notaryPart) run(bg *background, ls leases, cfg config.Config, log *slog.Logger) {
	n.stop = bg.start(
		loop{msg: "notary lease", run: func(ctx context.Context) error {
			return lease.Run(ctx, ls.of("notary"), func(ctx context.Context) {
				n.lead.Store(true)
				log.Info("notary: this replica signs the checkpoints", "instance", cfg.Instance)
				<-ctx.Done()
				n.lead.Store(false)
			})
		}},
		loop{msg: "notary stopped: checkpoints are no longer signed", run: n.notary.Run, endsPart: true},
	)
	log.Info("notary started", "origin", cfg.LogOrigin, "public_key", n.publicKey, "tree_size", n.tree.Size())
}

// Close stops the notary and closes its tree.
func (n *notaryPart) Close(log *slog.Logger) {
	if n.stop != nil {
		n.stop()
		n.stop = nil
	}
	if n.tree != nil {
		if err := n.tree.Close(); err != nil {
			log.Warn("notary tree close", "err", err)
		}
		n.tree = nil
	}
}

// notaryKey is the signer from skey (DOCKET_NOTARY_KEY) if set, else from
// the key file, created with a new key named name when it does not exist.
// It returns the public (verifier) key too.
func notaryKey(skey, path, name string) (note.Signer, string, error) {
	if skey == "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, "", err
			}
			s, _, err := checkpoint.GenerateKey(keyName(name))
			if err != nil {
				return nil, "", err
			}
			if err := checkpoint.WriteKeyFile(path, s); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, "", err
			}
		}
		if _, err := checkpoint.LoadSigner(path); err != nil { // checks the file's mode
			return nil, "", err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		skey = strings.TrimSpace(string(b))
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		return nil, "", err
	}
	vkey, err := checkpoint.PublicKey(skey)
	if err != nil {
		return nil, "", err
	}
	return signer, vkey, nil
}

// keyName makes a note key name of an origin: no '+' and no spaces.
func keyName(origin string) string {
	return strings.Map(func(r rune) rune {
		if r == '+' || r <= ' ' || r > '~' {
			return '-'
		}
		return r
	}, origin)
}

// notaryDurable is this replica's notary's durable consumer of the events
// stream.
func notaryDurable(cfg config.Config) string { return "docket-notary-" + cfg.Instance }
