package source

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// InactiveThreshold is how long a durable consumer Durable made outlives
// its last fetch.
const InactiveThreshold = time.Hour

// Durable returns the durable pull consumer name on stream, positioned
// right after sequence after (AckAll; the caller acknowledges the last
// message of each batch it has stored). The caller's own store says where
// it is: an existing consumer is reused only if it is exactly there, with
// nothing unacknowledged and the same ack limit; any other (a restored or
// rebuilt store, another version's limits) is recreated. It reads the
// whole stream, without a subject filter: the stream holds only docket.>,
// and a filter, even one matching everything, sends the server down its
// per-subject path, slow with millions of subjects.
func Durable(ctx context.Context, stream jetstream.Stream, name, description string, after uint64, maxAckPending int) (jetstream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   description,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   after + 1,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       time.Minute,
		MaxAckPending: maxAckPending,
		MaxWaiting:    16,
		// A replica that is gone (a pod replaced under a new name) leaves
		// its consumers behind: the server deletes them after an hour
		// without a fetch. The next session recreates its own anyway.
		InactiveThreshold: InactiveThreshold,
	}
	if c, err := stream.Consumer(ctx, name); err == nil {
		info, err := c.Info(ctx)
		if err == nil && info.AckFloor.Stream == after && info.NumAckPending == 0 && info.Delivered.Stream == after &&
			info.Config.MaxAckPending == cfg.MaxAckPending && info.Config.InactiveThreshold == cfg.InactiveThreshold {
			return c, nil
		}
		if err := stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("reset consumer %s: %w", name, err)
		}
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("consumer %s: %w", name, err)
	}
	c, err := stream.CreateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", name, err)
	}
	return c, nil
}
