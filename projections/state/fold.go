package state

import (
	"fmt"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Fold replays a subject's audit rows, in stream order, into its state as
// of asOf on axis: rows whose occurred_at (Occurred) or recorded_at
// (Recorded) is after asOf are left out; a zero asOf keeps every row. Each
// row's Data is decoded and folded with Apply (recorded_at taken from the
// row), against cat and the requests the rows themselves open. It returns
// an empty state when no row is kept.
func Fold(tenant, subjectRef string, rows []model.AuditRow, cat *Catalogue, asOf time.Time, axis model.TimeAxis) (*model.SubjectState, error) {
	st := &model.SubjectState{Tenant: tenant, SubjectRef: subjectRef}
	reqs := map[string]*model.RequestRow{}
	lookup := func(_, id string) *model.RequestRow { return reqs[id] }
	for _, row := range rows {
		at := row.OccurredAt
		if axis == model.Recorded {
			at = row.RecordedAt
		}
		if !asOf.IsZero() && at.After(asOf) {
			continue
		}
		rec, err := recordOf(row)
		if err != nil {
			return nil, err
		}
		eff, err := Apply(st, lookup, cat, rec)
		if err != nil {
			return nil, err
		}
		if eff.Request != nil {
			reqs[eff.Request.RequestID] = eff.Request
		}
	}
	return st, nil
}

// recordOf rebuilds the record of an audit row.
func recordOf(row model.AuditRow) (source.Record, error) {
	ev := &eventsv1.Event{}
	if err := proto.Unmarshal(row.Data, ev); err != nil {
		return source.Record{}, fmt.Errorf("state: audit row %d: %w: %v", row.Seq, source.ErrCorrupt, err)
	}
	if ev.GetEventId() != row.EventID {
		return source.Record{}, fmt.Errorf("state: audit row %d: %w: its data is another event", row.Seq, source.ErrCorrupt)
	}
	ev.RecordedAt = timestamppb.New(row.RecordedAt)
	return source.Record{Sequence: row.Seq, RecordedAt: row.RecordedAt.UTC(), Subject: events.Subject(ev), Data: row.Data, Event: ev}, nil
}
