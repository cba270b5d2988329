package notary

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/source"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyFetch is how many events Verify asks the stream for at once.
const VerifyFetch = 2500

// VerifyConfig configures Verify.
type VerifyConfig struct {
	// Trusted is the checkpoint the auditor holds (checked with Log by
	// the caller): the stream is verified up to its size.
	Trusted checkpoint.Checkpoint
	// Log verifies the checkpoints published on the checkpoint stream;
	// each one up to Trusted's size is checked on the way.
	Log note.Verifier
	// Stream and CheckpointStream: defaults as for the notary. A missing
	// checkpoint stream is not an error (only Trusted is checked).
	Stream, CheckpointStream string
	// Dir is where the recomputed tree is kept while verifying (removed
	// at the end); default os.TempDir().
	Dir string
	// Prove, if set, returns a consistency proof from the tree of oldSize
	// to the tree of newSize as the operator's notary has it (untrusted:
	// every proof is checked against a signed root). With it, Verify names
	// the exact first diverging sequence; without, the checkpoint window
	// it lies in.
	Prove func(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error)
	// Progress, if set, is called now and then with events read so far.
	Progress func(done, total int64)
	// Quarantined, if set, is called for each stored message that is not
	// a valid sealed event (source.Decode), which the read models
	// quarantine: the log holds it and its hash is checked like any
	// other's, and Verify goes on.
	Quarantined func(bad *source.CorruptError)
}

// Report is what Verify found.
type Report struct {
	Size        int64 // events verified (Trusted.Size when OK)
	Checkpoints int   // published checkpoints checked on the way
	Elapsed     time.Duration
	// Divergence is nil when the stream matches every checkpoint.
	Divergence *Divergence
}

// Divergence says where the stream stops matching what was signed.
type Divergence struct {
	// Sequence is the first stream sequence that differs from the signed
	// tree, when it could be told (0 otherwise: see From and To).
	Sequence uint64
	// From and To bound it: the first To events do not match a signed
	// root, the first From do.
	From, To int64
	Reason   string
}

func (d *Divergence) String() string {
	if d.Sequence != 0 {
		return fmt.Sprintf("sequence %d: %s", d.Sequence, d.Reason)
	}
	return fmt.Sprintf("between sequences %d and %d: %s", d.From+1, d.To, d.Reason)
}

// Verify reads the events stream from sequence 1, recomputes the Merkle
// tree, and checks it against every published checkpoint (whose
// signatures it checks) and against the trusted one. A checkpoint on the
// stream that does not verify with the log's key is an error; a stream
// that does not match is a Report with a Divergence.
func Verify(ctx context.Context, js jetstream.JetStream, cfg VerifyConfig) (*Report, error) {
	start := time.Now()
	if cfg.Log == nil {
		return nil, errors.New("verify: no log key")
	}
	if cfg.Stream == "" {
		cfg.Stream = events.DefaultStream
	}
	if cfg.CheckpointStream == "" {
		cfg.CheckpointStream = DefaultCheckpointStream
	}
	target := cfg.Trusted
	if target.Size < 1 {
		return nil, errors.New("verify: the trusted checkpoint is of an empty tree")
	}

	// Published checkpoints up to the trusted size, each checked.
	var cps []checkpoint.Checkpoint
	if s, err := js.Stream(ctx, cfg.CheckpointStream); err == nil {
		err := Each(ctx, s, func(p *Published) error {
			sc, err := checkpoint.Open(p.Note, cfg.Log, nil)
			if err != nil {
				return fmt.Errorf("checkpoint published at size %d: %w", p.Checkpoint.Size, err)
			}
			if sc.Origin != target.Origin {
				return fmt.Errorf("checkpoint published at size %d: origin %q, the trusted checkpoint's is %q", sc.Size, sc.Origin, target.Origin)
			}
			if sc.Size <= target.Size {
				cps = append(cps, sc.Checkpoint)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("verify: checkpoint stream: %w", err)
	}
	cps = append(cps, target)
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })

	dir, err := os.MkdirTemp(cfg.Dir, "docket-verify-")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	tree, err := merkle.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer tree.Close()

	rep := &Report{}
	stream, err := js.Stream(ctx, cfg.Stream)
	if err != nil {
		return nil, fmt.Errorf("verify: stream %s: %w", cfg.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: stream %s: %w", cfg.Stream, err)
	}
	if info.State.FirstSeq > 1 {
		rep.Divergence = &Divergence{Sequence: 1, To: target.Size, Reason: fmt.Sprintf("the stream starts at sequence %d: events before it are missing", info.State.FirstSeq)}
		return finish(rep, start), nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	var (
		next    = int64(1) // the sequence expected next
		good    = int64(0) // size of the last checkpoint matched
		ci      = 0        // next checkpoint to check
		leaves  = make([]tlog.Hash, 0, 4096)
		lastMsg = time.Now()
	)
	// flush appends the leaves read so far, stopping at each checkpoint
	// size to compare roots; it returns a divergence, if any.
	flush := func() (*Divergence, error) {
		for len(leaves) > 0 {
			chunk := leaves
			if room := cps[ci].Size - tree.Size(); int64(len(chunk)) > room {
				chunk = chunk[:room]
			}
			if err := tree.Append(chunk); err != nil {
				return nil, err
			}
			leaves = leaves[len(chunk):]
			for ci < len(cps) && tree.Size() == cps[ci].Size {
				root, err := tree.Root(cps[ci].Size)
				if err != nil {
					return nil, err
				}
				if root != cps[ci].Root {
					return &Divergence{From: good, To: cps[ci].Size,
						Reason: fmt.Sprintf("the stream's first %d events do not have the root of the checkpoint signed at that size", cps[ci].Size)}, nil
				}
				good = cps[ci].Size
				rep.Checkpoints++
				ci++
			}
			if ci == len(cps) {
				leaves = leaves[:0]
			}
		}
		return nil, nil
	}
	for ci < len(cps) {
		batch, err := cons.Fetch(VerifyFetch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, fmt.Errorf("verify: fetch: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return nil, fmt.Errorf("verify: %w", err)
			}
			if seq := int64(md.Sequence.Stream); seq != next {
				rep.Divergence = &Divergence{Sequence: uint64(next), From: good, To: target.Size,
					Reason: fmt.Sprintf("missing from the stream (the next stored event is sequence %d)", seq)}
				return finish(rep, start), nil
			}
			leaves = append(leaves, tlog.RecordHash(m.Data()))
			if cfg.Quarantined != nil {
				var bad *source.CorruptError
				if _, err := source.Decode(md.Sequence.Stream, md.Timestamp, m.Subject(), m.Headers(), m.Data()); errors.As(err, &bad) {
					cfg.Quarantined(bad)
				}
			}
			next++
			if next > target.Size {
				break
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("verify: fetch: %w", err)
		}
		if n > 0 {
			lastMsg = time.Now()
		}
		d, err := flush()
		if err != nil {
			return nil, fmt.Errorf("verify: tree: %w", err)
		}
		if d != nil {
			rep.Divergence = d
			if err := locate(ctx, cfg, tree, cps[ci], good, d); err != nil {
				return nil, err
			}
			return finish(rep, start), nil
		}
		if cfg.Progress != nil {
			cfg.Progress(tree.Size(), target.Size)
		}
		if ci < len(cps) && (next > int64(info.State.LastSeq) || (n == 0 && time.Since(lastMsg) > 3*time.Second)) {
			rep.Divergence = &Divergence{Sequence: uint64(next), From: good, To: target.Size,
				Reason: fmt.Sprintf("the stream ends at sequence %d, the checkpoint covers %d events", next-1, target.Size)}
			return finish(rep, start), nil
		}
	}
	rep.Size = tree.Size()
	return finish(rep, start), nil
}

func finish(r *Report, start time.Time) *Report {
	r.Elapsed = time.Since(start)
	return r
}

// locate narrows d to the first diverging sequence with consistency proofs
// from cfg.Prove: the prefix of m events matches the signed tree of
// c.Size exactly when a proof from m to c.Size checks against our root of
// m and the signed root, so the first m for which none does is the first
// diverging sequence. A proof that cannot be had leaves d as a window.
func locate(ctx context.Context, cfg VerifyConfig, tree *merkle.Tree, c checkpoint.Checkpoint, good int64, d *Divergence) error {
	if cfg.Prove == nil {
		return nil
	}
	matches := func(m int64) (bool, error) {
		mine, err := tree.Root(m)
		if err != nil {
			return false, err
		}
		proof, err := cfg.Prove(ctx, m, c.Size)
		if err != nil {
			return false, err
		}
		return tlog.CheckTree(proof, c.Size, c.Root, m, mine) == nil, nil
	}
	lo, hi := good, c.Size // prefix lo matches; prefix hi does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := matches(mid)
		if err != nil {
			d.Reason += fmt.Sprintf("; could not narrow it down: %v", err)
			return nil
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	d.Sequence = uint64(hi)
	d.Reason = fmt.Sprintf("the event stored at sequence %d is not the one the log signed (the first %d events match checkpoint %d, the first %d do not)", hi, lo, c.Size, hi)
	return nil
}
