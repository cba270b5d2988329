package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/services/internal/audit"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/lease"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
)

// startNotary opens the notary's tree, loads (or, the first time, creates)
// its signing key, starts it, and returns the audit service over it.
func (d *Daemon) startNotary(ctx context.Context) (*audit.Service, error) {
	cfg := d.cfg
	signer, vkey, err := notaryKey(cfg.NotaryKey, cfg.NotaryKeyPath(), cfg.LogOrigin)
	if err != nil {
		return nil, fmt.Errorf("notary key: %w", err)
	}
	verifier, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("notary key: %w", err)
	}
	var witnesses []note.Verifier
	for _, k := range cfg.WitnessKeys {
		v, err := checkpoint.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("witness_keys: %w", err)
		}
		witnesses = append(witnesses, v)
	}
	var cps jetstream.Stream
	if err := d.placed(ctx, "checkpoint stream", func(ctx context.Context) (err error) {
		cps, err = notary.EnsureCheckpointStream(ctx, d.js, notary.CheckpointStreamConfig{Replicas: cfg.StreamReplicas})
		return err
	}); err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.DataDir, "notary")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	d.tree, err = merkle.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("notary: %w", err)
	}
	d.signer, d.publicKey = signer, vkey
	// Every replica folds its own tree (it serves proofs from it); the
	// one holding the notary lease signs.
	d.notary, err = notary.New(d.js, d.tree, signer, notary.Config{
		Origin:    cfg.LogOrigin,
		Durable:   notaryDurable(cfg),
		Every:     cfg.CheckpointEvery,
		Interval:  time.Duration(cfg.CheckpointInterval),
		Publishes: d.notaryLead.Load,
	}, d.log)
	if err != nil {
		return nil, err
	}
	as, err := audit.New(audit.Config{
		Tree: d.tree, Events: d.stream, Checkpoints: cps, JetStream: d.js,
		Reader: d.read.Reader(), Log: verifier, Witnesses: witnesses,
	})
	if err != nil {
		return nil, err
	}
	nctx, nstop := context.WithCancel(context.Background())
	d.stopNotary, d.notaryDone = nstop, make(chan struct{})
	go func() {
		defer close(d.notaryDone)
		var wg sync.WaitGroup
		wg.Go(func() {
			err := lease.Run(nctx, d.lease("notary"), func(ctx context.Context) {
				d.notaryLead.Store(true)
				d.log.Info("notary: this replica signs the checkpoints", "instance", cfg.Instance)
				<-ctx.Done()
				d.notaryLead.Store(false)
			})
			if err != nil {
				d.log.Error("notary lease", "err", err)
			}
		})
		if err := d.notary.Run(nctx); err != nil {
			d.log.Error("notary stopped: checkpoints are no longer signed", "err", err)
		}
		nstop()
		wg.Wait()
	}()
	d.log.Info("notary started", "origin", cfg.LogOrigin, "public_key", vkey, "tree_size", d.tree.Size())
	return as, nil
}

// stopNotaryAndTree stops the notary and closes its tree.
func (d *Daemon) stopNotaryAndTree() {
	if d.stopNotary != nil {
		d.stopNotary()
		<-d.notaryDone
		d.stopNotary = nil
	}
	if d.tree != nil {
		if err := d.tree.Close(); err != nil {
			d.log.Warn("notary tree close", "err", err)
		}
		d.tree = nil
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
