package ingest

import (
	"context"
	"errors"
	"strings"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// HeadSkipping is events.Head ignoring the events skip matches, and the
// stored messages that are not events. It answers a HeadRequest with
// skip_docketd, and lets docketd's demo loader resume its own list of
// events past those others appended meanwhile. It is docketd's, not the
// SDK's: an emitting service asks for a head through the API.
// It looks back at most maxBack stream sequences past the newest event;
// found is false if every event it saw was skipped.
func HeadSkipping(ctx context.Context, s jetstream.Stream, tenant, subjectRef string, skip func(*eventsv1.Event) bool, maxBack uint64) (seq uint64, eventID string, found bool, err error) {
	m, err := s.GetLastMsgForSubject(ctx, events.SubjectFilter(tenant, subjectRef))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	prefix := strings.TrimSuffix(events.SubjectFilter(tenant, subjectRef), ">")
	for n := uint64(0); ; n++ {
		if strings.HasPrefix(m.Subject, prefix) {
			// A stored message that is not an event (the read models
			// quarantine it) is no one's head: passed over like a skipped one.
			ev := &eventsv1.Event{}
			if err := proto.Unmarshal(m.Data, ev); err == nil && ev.GetPayload() != nil && !skip(ev) {
				return m.Sequence, ev.GetEventId(), true, nil
			}
		}
		if m.Sequence <= 1 || n >= maxBack {
			return 0, "", false, nil
		}
		if m, err = s.GetMsg(ctx, m.Sequence-1); errors.Is(err, jetstream.ErrMsgNotFound) {
			return 0, "", false, nil
		} else if err != nil {
			return 0, "", false, err
		}
	}
}
