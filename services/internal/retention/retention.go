// Package retention is the retention scheduler: a saga that runs on a
// clock rather than on events. On every pass it goes through each tenant's
// data subjects and
//
//   - for each collection period whose declared retention has run out —
//     counted from the trigger the activity declares (state.Expiring: the
//     first collection, a consent withdrawn, an objection upheld, a request
//     fulfilled, the end of the relationship) — and that no Art. 17(3)
//     exemption holds, appends a
//     RetentionExpired; when no other activity still keeps data under the
//     period's key group, it first shreds that group ("erased: ..."),
//     otherwise it records the data as held ("held: ...") and the
//     retention_exceeded finding stays until the group is shredded;
//   - for each exemption whose hold has ended, on a fulfilled erasure
//     request, shreds the key group it kept (the release the erasure saga
//     left for later).
//
// Key groups are the unit of erasure and a shredded group takes no new data
// for that subject (invariant 2), so an activity whose data must go while
// the subject stays needs a key group of its own.
//
// Every event the scheduler appends has an id derived from what it is
// about, and a pass starts only once the read models hold every event
// stored before it, the previous pass's included: a pass repeated, or run
// by two daemons at once, stores nothing twice.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ActorID is the system actor of the events the scheduler appends.
const ActorID = "retention-scheduler"

// Defaults of Config.Every and Config.Lead.
const (
	DefaultEvery = 10 * time.Minute
	DefaultLead  = time.Hour
)

// Config configures a Scheduler.
type Config struct {
	Stream jetstream.Stream // the events stream
	Reader model.Reader
	// ReadPosition is the read models' checkpoint (a stream sequence).
	ReadPosition func() uint64
	Shredder     *erasure.Shredder
	// Record appends the scheduler's RetentionExpired events.
	Record func(ctx context.Context, ev *eventsv1.Event) error
	// Every is the time between passes (default DefaultEvery).
	Every time.Duration
	// Lead: data whose retention runs out within Lead is erased now, so
	// that it is gone by its date although passes are Every apart (default
	// DefaultLead). A hold is only ever released once it has ended.
	Lead time.Duration
	// Taxonomy is the taxonomy version stamped on the scheduler's events.
	Taxonomy string
	Now      func() time.Time
	Log      *slog.Logger
}

// Scheduler runs retention passes.
type Scheduler struct{ c Config }

// New returns a Scheduler.
func New(c Config) (*Scheduler, error) {
	if c.Stream == nil || c.Reader == nil || c.ReadPosition == nil || c.Shredder == nil || c.Record == nil || c.Log == nil {
		return nil, errors.New("retention: New: nil dependency")
	}
	if c.Every < 0 || c.Lead < 0 {
		return nil, errors.New("retention: New: Every and Lead must not be negative")
	}
	if c.Every == 0 {
		c.Every = DefaultEvery
	}
	if c.Lead == 0 {
		c.Lead = DefaultLead
	}
	if c.Taxonomy == "" {
		c.Taxonomy = "fideslang-3.1"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Scheduler{c: c}, nil
}

// Report counts what a pass did.
type Report struct {
	Subjects int // subjects looked at
	Expired  int // RetentionExpired appended with the data erased
	Held     int // RetentionExpired appended with the data kept
	Shredded int // key groups shredded because their retention ran out
	Released int // key groups shredded because their exemption ended
}

// Run makes a pass at once and then every Every, until ctx ends. A failed
// pass is logged; the next one tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.c.Every)
	defer t.Stop()
	for {
		start := time.Now()
		rep, err := s.Pass(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.c.Log.Error("retention pass failed", "err", err)
		case rep.Expired+rep.Held+rep.Shredded+rep.Released > 0:
			s.c.Log.Info("retention pass", "subjects", rep.Subjects, "expired", rep.Expired, "held", rep.Held,
				"shredded", rep.Shredded, "released", rep.Released, "took", time.Since(start).Round(time.Millisecond).String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Pass goes through every subject once, at the time Now gives.
func (s *Scheduler) Pass(ctx context.Context) (Report, error) {
	var rep Report
	if err := s.caughtUp(ctx); err != nil {
		return rep, err
	}
	now := s.c.Now()
	tenants, err := s.c.Reader.Tenants(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	for _, tenant := range tenants {
		cat, err := s.catalogue(ctx, tenant)
		if err != nil {
			return rep, err
		}
		for after := uint64(0); ; {
			page, err := s.c.Reader.SubjectsOf(ctx, tenant, model.Page{After: after, Limit: 500})
			if err != nil {
				return rep, fmt.Errorf("retention: subjects of %s: %w", tenant, err)
			}
			for _, st := range page {
				rep.Subjects++
				if err := s.subject(ctx, st, cat, now, &rep); err != nil {
					return rep, fmt.Errorf("retention: tenant %s, subject %s: %w", tenant, st.SubjectRef, err)
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].FirstSeq
		}
	}
	return rep, nil
}

// caughtUp waits until the read models hold every event stored now.
func (s *Scheduler) caughtUp(ctx context.Context) error {
	info, err := s.c.Stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("retention: stream info: %w", err)
	}
	for s.c.ReadPosition() < info.State.LastSeq {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func (s *Scheduler) catalogue(ctx context.Context, tenant string) (*state.Catalogue, error) {
	rows, err := s.c.Reader.Activities(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("retention: activities of %s: %w", tenant, err)
	}
	cat := state.NewCatalogue()
	for _, row := range rows {
		if err := cat.Add(row); err != nil {
			return nil, fmt.Errorf("retention: activities of %s: %w", tenant, err)
		}
	}
	return cat, nil
}

// subject does what one subject's retention and holds call for at now.
func (s *Scheduler) subject(ctx context.Context, st *model.SubjectState, cat *state.Catalogue, now time.Time, rep *Report) error {
	if err := s.release(ctx, st, now, rep); err != nil {
		return err
	}
	byGroup := map[string][]state.Expiry{}
	for _, e := range state.Expiring(st, cat, now, now.Add(s.c.Lead)) {
		byGroup[e.KeyGroup] = append(byGroup[e.KeyGroup], e)
	}
	for _, g := range slices.Sorted(maps.Keys(byGroup)) {
		due := byGroup[g]
		var others []string
		for _, id := range state.Holders(st, cat, now, g) {
			if !slices.ContainsFunc(due, func(e state.Expiry) bool { return e.ActivityID == id }) {
				others = append(others, id)
			}
		}
		if len(others) == 0 {
			if err := s.erase(ctx, st, g, due, now, rep); err != nil {
				return err
			}
			continue
		}
		for _, e := range due {
			if e.Recorded || e.Due.After(now) {
				continue
			}
			action := fmt.Sprintf("%s: key group %s still holds data of %s, whose retention has not run out",
				state.RetentionHeld, g, strings.Join(others, ", "))
			if err := s.record(ctx, st, e, action, now); err != nil {
				return err
			}
			rep.Held++
		}
	}
	return nil
}

// erase shreds group g, all of whose data has reached its retention, then
// records the expiry of each period not recorded yet. The shred goes first:
// an expiry recorded as erased before the erasure would be a false claim.
func (s *Scheduler) erase(ctx context.Context, st *model.SubjectState, g string, due []state.Expiry, now time.Time, rep *Report) error {
	first := due[0].First
	for _, e := range due {
		if e.First.Before(first) {
			first = e.First
		}
	}
	if _, err := s.c.Shredder.Shred(ctx, erasure.Request{Tenant: st.Tenant, SubjectRef: st.SubjectRef, KeyGroups: []string{g},
		ActorID: ActorID, BySystem: true, EventID: events.DerivedID(first, st.Tenant, st.SubjectRef, g, first.UTC().Format(time.RFC3339Nano), "retention-shred")}); err != nil {
		return err
	}
	rep.Shredded++
	for _, e := range due {
		if e.Recorded {
			continue
		}
		if err := s.record(ctx, st, e, fmt.Sprintf("erased: key group %s shredded", g), now); err != nil {
			return err
		}
		rep.Expired++
	}
	return nil
}

// record appends the RetentionExpired of a period.
func (s *Scheduler) record(ctx context.Context, st *model.SubjectState, e state.Expiry, action string, now time.Time) error {
	ev := &eventsv1.Event{
		EventId: events.DerivedID(e.Due, st.Tenant, st.SubjectRef, e.ActivityID, e.First.UTC().Format(time.RFC3339Nano), "retention-expired"),
		Tenant:  st.Tenant, SubjectRef: st.SubjectRef, OccurredAt: timestamppb.New(now), Source: events.RecordedBy,
		Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: ActorID},
		TaxonomyVersion: s.c.Taxonomy,
		Payload: &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
			ActivityId: e.ActivityID, Categories: e.Categories, Action: action}},
	}
	if err := events.Validate(ev); err != nil {
		return err
	}
	if err := s.c.Record(ctx, ev); err != nil {
		return fmt.Errorf("record the retention expiry of %s: %w", e.ActivityID, err)
	}
	return nil
}

// release shreds the key groups whose Art. 17(3) hold has ended, when the
// erasure request that recorded the hold was fulfilled.
func (s *Scheduler) release(ctx context.Context, st *model.SubjectState, now time.Time, rep *Report) error {
	for _, g := range slices.Sorted(maps.Keys(st.Exemptions)) {
		ex := st.Exemptions[g]
		if ex.Holds(now) {
			continue
		}
		if _, done := st.Shredded[g]; done {
			continue
		}
		ok, err := s.fulfilled(ctx, st, ex.RequestID)
		if err != nil || !ok {
			return err
		}
		if _, err := s.c.Shredder.Shred(ctx, erasure.Request{Tenant: st.Tenant, SubjectRef: st.SubjectRef, KeyGroups: []string{g},
			RequestID: ex.RequestID, ActorID: ActorID, BySystem: true,
			EventID: events.DerivedID(ex.Until, st.Tenant, st.SubjectRef, ex.EventID, g, "released")}); err != nil {
			return err
		}
		rep.Released++
	}
	return nil
}

// fulfilled tells whether the subject's request id is a fulfilled erasure
// request.
func (s *Scheduler) fulfilled(ctx context.Context, st *model.SubjectState, id string) (bool, error) {
	for after := uint64(0); ; {
		page, err := s.c.Reader.ListRequests(ctx, model.RequestFilter{Tenant: st.Tenant, SubjectRef: st.SubjectRef}, model.Page{After: after, Limit: 100})
		if err != nil {
			return false, fmt.Errorf("requests: %w", err)
		}
		for _, r := range page {
			if r.RequestID == id {
				return r.Right == eventsv1.Right_RIGHT_ERASURE.String() && r.Status == model.RequestFulfilled, nil
			}
		}
		if len(page) < 100 {
			return false, nil
		}
		after = page[len(page)-1].ReceivedSeq
	}
}
