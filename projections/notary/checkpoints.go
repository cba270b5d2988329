package notary

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultCheckpointStream is the stream the notary publishes checkpoints on.
const DefaultCheckpointStream = "DOCKET_CHECKPOINTS"

// Checkpoint subjects: the notary publishes each checkpoint once on
// SignedPrefix.<size>; a witness cosignature is stored as the merged note,
// every signature so far, on CosignedPrefix.<size> (the last message there
// is the most complete). Neither overlaps the events stream's docket.>.
const (
	SignedPrefix   = "docket-checkpoints.signed"
	CosignedPrefix = "docket-checkpoints.cosigned"
)

// ErrNoCheckpoint: no checkpoint was published (at that size).
var ErrNoCheckpoint = errors.New("no such checkpoint")

// CheckpointStreamConfig configures EnsureCheckpointStream.
type CheckpointStreamConfig struct {
	Name     string // default DefaultCheckpointStream
	Replicas int    // default 1
}

// EnsureCheckpointStream creates (or updates) the checkpoint stream: file
// storage, everything kept, no message may be deleted or purged.
func EnsureCheckpointStream(ctx context.Context, js jetstream.JetStream, cfg CheckpointStreamConfig) (jetstream.Stream, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultCheckpointStream
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	sc := jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: "Docket signed checkpoints of the events stream's Merkle tree",
		Subjects:    []string{"docket-checkpoints.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    cfg.Replicas,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
		Duplicates:  2 * time.Minute,
	}
	// Look up, create when missing, check: never an update, which a NATS
	// account that denies stream updates (deploy/nats) refuses.
	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, sc)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream %s: %w", cfg.Name, err)
	}
	if have := s.CachedInfo().Config; !have.DenyDelete || !have.DenyPurge || !slices.Equal(have.Subjects, sc.Subjects) {
		return nil, fmt.Errorf("checkpoint stream %s: exists with deny_delete %v, deny_purge %v, subjects %v; want true, true, %v",
			cfg.Name, have.DenyDelete, have.DenyPurge, have.Subjects, sc.Subjects)
	}
	return s, nil
}

func signedSubject(size int64) string   { return SignedPrefix + "." + strconv.FormatInt(size, 10) }
func cosignedSubject(size int64) string { return CosignedPrefix + "." + strconv.FormatInt(size, 10) }

// Published is a checkpoint as stored on the checkpoint stream.
type Published struct {
	Checkpoint checkpoint.Checkpoint
	Note       []byte    // the signed note, with every cosignature stored
	At         time.Time // when it was first published
}

// Latest is the newest published checkpoint, with its cosignatures.
// ErrNoCheckpoint when none was published.
func Latest(ctx context.Context, s jetstream.Stream) (*Published, error) {
	m, err := s.GetLastMsgForSubject(ctx, SignedPrefix+".>")
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, ErrNoCheckpoint
		}
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	return withCosignatures(ctx, s, m)
}

// At is the checkpoint published at size, with its cosignatures.
func At(ctx context.Context, s jetstream.Stream, size int64) (*Published, error) {
	m, err := s.GetLastMsgForSubject(ctx, signedSubject(size))
	if err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, fmt.Errorf("size %d: %w", size, ErrNoCheckpoint)
		}
		return nil, fmt.Errorf("checkpoint at %d: %w", size, err)
	}
	return withCosignatures(ctx, s, m)
}

// withCosignatures parses a signed-checkpoint message and, if a cosigned
// note of the same size is stored, returns that one instead.
func withCosignatures(ctx context.Context, s jetstream.Stream, m *jetstream.RawStreamMsg) (*Published, error) {
	p, err := parsePublished(m)
	if err != nil {
		return nil, err
	}
	c, err := s.GetLastMsgForSubject(ctx, cosignedSubject(p.Checkpoint.Size))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("cosigned checkpoint at %d: %w", p.Checkpoint.Size, err)
	}
	merged, err := checkpoint.Merge(p.Note, c.Data)
	if err != nil {
		return nil, fmt.Errorf("cosigned checkpoint at %d: %w", p.Checkpoint.Size, err)
	}
	p.Note = merged
	return p, nil
}

func parsePublished(m *jetstream.RawStreamMsg) (*Published, error) {
	body, _, ok := strings.Cut(string(m.Data), "\n\n")
	if !ok {
		return nil, fmt.Errorf("checkpoint message %d: not a signed note", m.Sequence)
	}
	c, err := checkpoint.Parse([]byte(body + "\n"))
	if err != nil {
		return nil, fmt.Errorf("checkpoint message %d: %w", m.Sequence, err)
	}
	return &Published{Checkpoint: c, Note: m.Data, At: m.Time.UTC()}, nil
}

// Publish stores a newly signed checkpoint note. Publishing the same size
// twice within the stream's duplicate window stores it once.
func Publish(ctx context.Context, js jetstream.JetStream, c checkpoint.Checkpoint, signed []byte) error {
	msg := nats.NewMsg(signedSubject(c.Size))
	msg.Data = signed
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("checkpoint-"+strconv.FormatInt(c.Size, 10))); err != nil {
		return fmt.Errorf("publish checkpoint %d: %w", c.Size, err)
	}
	return nil
}

// StoreCosigned stores note, the checkpoint of size with every signature it
// now has; the caller has verified it.
func StoreCosigned(ctx context.Context, js jetstream.JetStream, size int64, note []byte) error {
	if _, err := js.Publish(ctx, cosignedSubject(size), note); err != nil {
		return fmt.Errorf("store cosigned checkpoint %d: %w", size, err)
	}
	return nil
}

// Each calls fn with every checkpoint published on SignedPrefix, in the
// order published (growing sizes), until fn fails or the stream's end as
// it was when Each started.
func Each(ctx context.Context, s jetstream.Stream, fn func(*Published) error) error {
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint stream: %w", err)
	}
	last := info.State.LastSeq
	if last == 0 {
		return nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{SignedPrefix + ".>"}})
	if err != nil {
		return fmt.Errorf("checkpoint stream: %w", err)
	}
	for {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("checkpoint stream: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			p, err := parsePublished(&jetstream.RawStreamMsg{Subject: m.Subject(), Sequence: md.Sequence.Stream, Data: m.Data(), Time: md.Timestamp})
			if err != nil {
				return err
			}
			if err := fn(p); err != nil {
				return err
			}
			if md.Sequence.Stream >= last || md.NumPending == 0 {
				return nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("checkpoint stream: %w", err)
		}
		if n == 0 {
			return nil // nothing (more) on the signed subjects
		}
	}
}

// Bundle proves that the event stored at seq (its stored bytes, under
// subject) is in the tree of the published checkpoint p: a self-contained
// events/proof bundle, checkable offline with the log's public key.
func Bundle(tree *merkle.Tree, p *Published, seq uint64, stored []byte, subject string) (*proof.Bundle, error) {
	size := p.Checkpoint.Size
	if seq == 0 || int64(seq) > size {
		return nil, fmt.Errorf("sequence %d is not in the checkpoint of %d events", seq, size)
	}
	path, err := tree.ProveRecord(size, int64(seq)-1)
	if err != nil {
		return nil, fmt.Errorf("proof of sequence %d: %w", seq, err)
	}
	return &proof.Bundle{Version: proof.Version, Sequence: seq, Subject: subject, Event: stored,
		TreeSize: size, Proof: proof.EncodeProof(path), Checkpoint: string(p.Note)}, nil
}
