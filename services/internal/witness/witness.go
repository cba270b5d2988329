// Package witness is `docket witness`: an independent party that keeps its
// own view of the log (the newest checkpoint it has cosigned) and cosigns
// a newer checkpoint only after checking, with a consistency proof, that
// it extends that view. A checkpoint that contradicts the view — smaller,
// or of the same size with another root, or not provably an extension —
// is refused: the operator is showing different histories to different
// people (a split view), or rewrote its own.
//
// Its cosignatures are C2SP tlog-cosignature/v1
// (https://c2sp.org/tlog-cosignature): timestamped, by a witness key of
// type 0x04 (checkpoint.GenerateWitnessKey, `docket keys generate
// --witness`), so that clients of public witnesses verify them too.
package witness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/checkpoint"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrSplitView: the log showed a checkpoint that contradicts what this
// witness cosigned before. It is never cosigned.
var ErrSplitView = errors.New("checkpoint contradicts the witness's view of the log (split view)")

// Config configures a Witness.
type Config struct {
	Client apiv1connect.AuditServiceClient
	Log    note.Verifier // the log's key
	Origin string        // the log's origin; checkpoints of another are refused
	Signer note.Signer   // the witness's key (checkpoint.LoadWitnessSigner: cosignature/v1)
	State  string        // file keeping the newest cosigned checkpoint
}

// Witness cosigns the checkpoints of one log.
type Witness struct{ c Config }

// New returns a witness.
func New(c Config) (*Witness, error) {
	var errs []error
	if c.Client == nil || c.Log == nil || c.Signer == nil {
		errs = append(errs, errors.New("witness: nil dependency"))
	}
	if c.Origin == "" {
		errs = append(errs, errors.New("origin: is required"))
	}
	if c.State == "" {
		errs = append(errs, errors.New("state: a file path is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Witness{c: c}, nil
}

// Result is what one Step did.
type Result struct {
	Size     int64 // the log's newest checkpoint
	Previous int64 // the witness's view before
	Cosigned bool  // false: nothing new
}

// View is the newest checkpoint this witness cosigned; nil if none yet.
func (w *Witness) View() (*checkpoint.Signed, error) {
	b, err := os.ReadFile(w.c.State)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("witness state: %w", err)
	}
	s, err := checkpoint.Open(b, w.c.Log, nil)
	if err != nil {
		return nil, fmt.Errorf("witness state %s: %w", w.c.State, err)
	}
	return s, nil
}

// Step fetches the log's newest checkpoint and cosigns it if it provably
// extends the witness's view; ErrSplitView if it contradicts it.
func (w *Witness) Step(ctx context.Context) (Result, error) {
	resp, err := w.c.Client.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
	if err != nil {
		return Result{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	msg := []byte(resp.Msg.GetCheckpoint().GetNote())
	latest, err := checkpoint.Open(msg, w.c.Log, nil)
	if err != nil {
		return Result{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	if latest.Origin != w.c.Origin {
		return Result{}, fmt.Errorf("latest checkpoint: origin %q, this witness follows %q", latest.Origin, w.c.Origin)
	}
	view, err := w.View()
	if err != nil {
		return Result{}, err
	}
	r := Result{Size: latest.Size}
	if view != nil {
		r.Previous = view.Size
		switch {
		case latest.Size < view.Size:
			return r, fmt.Errorf("%w: the log's newest checkpoint has %d events, this witness already cosigned %d", ErrSplitView, latest.Size, view.Size)
		case latest.Size == view.Size && latest.Root != view.Root:
			return r, fmt.Errorf("%w: two checkpoints of size %d with different roots", ErrSplitView, latest.Size)
		case latest.Size == view.Size:
			return r, nil // nothing new
		}
		p, err := w.c.Client.GetConsistencyProof(ctx, connect.NewRequest(&apiv1.GetConsistencyProofRequest{
			OldSize: uint64(view.Size), NewSize: uint64(latest.Size)}))
		if err != nil {
			return r, fmt.Errorf("consistency proof %d→%d: %w", view.Size, latest.Size, err)
		}
		proof, err := hashes(p.Msg.GetHashes())
		if err != nil {
			return r, fmt.Errorf("consistency proof %d→%d: %w", view.Size, latest.Size, err)
		}
		if err := checkpoint.VerifyConsistency(view.Checkpoint, latest.Checkpoint, proof); err != nil {
			return r, fmt.Errorf("%w: the checkpoint of size %d does not extend the one of size %d: %v", ErrSplitView, latest.Size, view.Size, err)
		}
	}
	cosigned, err := checkpoint.Cosign(msg, w.c.Log, w.c.Signer)
	if err != nil {
		return r, fmt.Errorf("cosign: %w", err)
	}
	// The view moves first: having cosigned, the witness must never
	// cosign anything that contradicts this checkpoint, even if sending
	// the cosignature fails.
	if err := writeState(w.c.State, cosigned); err != nil {
		return r, err
	}
	if _, err := w.c.Client.AddCosignature(ctx, connect.NewRequest(&apiv1.AddCosignatureRequest{Note: string(cosigned)})); err != nil {
		return r, fmt.Errorf("send cosignature of size %d: %w", latest.Size, err)
	}
	r.Cosigned = true
	return r, nil
}

func hashes(bs [][]byte) (tlog.TreeProof, error) {
	out := make(tlog.TreeProof, len(bs))
	for i, b := range bs {
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("hash %d is %d bytes, want %d", i, len(b), tlog.HashSize)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// writeState replaces the state file atomically (mode 0600).
func writeState(path string, note []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".witness-state-*")
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(note); err != nil {
		tmp.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	return nil
}
