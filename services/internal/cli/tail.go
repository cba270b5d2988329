package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

// tailLine is what `docket tail` prints per event: metadata only.
type tailLine struct {
	Sequence    uint64      `json:"seq"`
	RecordedAt  time.Time   `json:"recorded_at"`
	Type        string      `json:"type"`
	Tenant      string      `json:"tenant"`
	SubjectRef  string      `json:"subject_ref,omitempty"`
	EventID     string      `json:"event_id"`
	Source      string      `json:"source"`
	OccurredAt  time.Time   `json:"occurred_at"`
	Values      []tailValue `json:"values,omitempty"`
	DecodeError string      `json:"decode_error,omitempty"`
	// Quarantined is why the read models pass this stored message over
	// (a source.Reason*: it is not a valid sealed event), and
	// QuarantinedField the field at fault, if any.
	Quarantined      string `json:"quarantined,omitempty"`
	QuarantinedField string `json:"quarantined_field,omitempty"`
}

type tailValue struct {
	Path     string `json:"path"`
	Category string `json:"category"`
	KeyGroup string `json:"key_group"`
	Sealed   bool   `json:"sealed"`
}

// newTailCmd is `docket tail`: one JSON line per event with its metadata;
// values are shown only as their category and key group. Like tail(1) it
// prints what is there and exits; with -f it keeps following.
func newTailCmd() *cobra.Command {
	var (
		stream, tenant, subject string
		from                    uint64
		limit                   int
		follow                  bool
	)
	c := newCommand("tail [flags]", "print the events stream's metadata (never values), from --from or the start; -f follows", args(), nil)
	conn := readerFlags(c, "docket-tail", DefaultNATS, "NATS server holding the DOCKET stream")
	c.Flags().StringVar(&stream, "stream", events.DefaultStream, "events stream")
	c.Flags().StringVar(&tenant, "tenant", "", "only this tenant's events")
	c.Flags().StringVar(&subject, "subject", "", "only this subject's events (needs --tenant)")
	c.Flags().Uint64Var(&from, "from", 0, "start at this stream sequence (default: the first; with -f, only new events)")
	c.Flags().IntVarP(&limit, "limit", "n", 0, "stop after this many events (0: no limit)")
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep waiting for new events, as tail -f")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		var errs []error
		errs = append(errs, conn.check())
		if subject != "" && tenant == "" {
			errs = append(errs, errors.New("--subject needs --tenant"))
		}
		if limit < 0 {
			errs = append(errs, errors.New("--limit: is negative"))
		}
		filter := "" // the whole stream
		if tenant != "" {
			errs = append(errs, checkOptToken("--tenant", tenant), checkOptToken("--subject", subject))
			filter = events.SubjectFilter(tenant, subject)
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		cc := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
		if follow {
			cc.DeliverPolicy = jetstream.DeliverNewPolicy
		}
		if filter != "" {
			cc.FilterSubjects = []string{filter}
		}
		if from > 0 {
			cc.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
			cc.OptStartSeq = from
		}
		return tail(cmd.Context(), conn, stream, cc, limit, follow, cmd.OutOrStdout())
	}
	return c
}

// tail prints the stream's messages through an ordered consumer of cc:
// up to limit (0: all), and, unless follow, only those already stored.
func tail(ctx context.Context, conn *natsConn, stream string, cc jetstream.OrderedConsumerConfig, limit int, follow bool, stdout io.Writer) error {
	js, closeConn, err := conn.jetStream()
	if err != nil {
		return err
	}
	defer closeConn()
	cons, err := js.OrderedConsumer(ctx, stream, cc)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	enc := json.NewEncoder(stdout)
	for n := 0; limit == 0 || n < limit; n++ {
		var msg jetstream.Msg
		if follow {
			msg, err = cons.Next(jetstream.FetchContext(ctx))
		} else {
			msg, err = cons.Next(jetstream.FetchMaxWait(time.Second))
			if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, nats.ErrTimeout) {
				return nil
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := enc.Encode(describe(msg)); err != nil {
			return err
		}
		if !follow {
			if md, err := msg.Metadata(); err == nil && md.NumPending == 0 {
				return nil
			}
		}
	}
	return nil
}

func describe(msg jetstream.Msg) tailLine {
	var line tailLine
	if md, err := msg.Metadata(); err == nil {
		line.Sequence = md.Sequence.Stream
		line.RecordedAt = md.Timestamp.UTC()
		var bad *source.CorruptError
		if _, err := source.Decode(md.Sequence.Stream, md.Timestamp, msg.Subject(), msg.Headers(), msg.Data()); errors.As(err, &bad) {
			line.Quarantined, line.QuarantinedField = bad.Reason, bad.Field
		}
	}
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(msg.Data(), ev); err != nil {
		line.DecodeError = "not a docket.events.v1.Event"
		line.Tenant, line.SubjectRef = source.TenantOf(msg.Subject())
		return line
	}
	line.Type = events.TypeName(ev)
	line.Tenant = ev.GetTenant()
	line.SubjectRef = ev.GetSubjectRef()
	line.EventID = ev.GetEventId()
	line.Source = ev.GetSource()
	line.OccurredAt = ev.GetOccurredAt().AsTime().UTC()
	for _, v := range events.Values(ev) {
		line.Values = append(line.Values, tailValue{Path: v.Path(), Category: v.Value.GetCategory(), KeyGroup: v.KeyGroup(), Sealed: v.Value.GetSealed() != nil})
	}
	return line
}
