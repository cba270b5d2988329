package retention_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/retention"
	"github.com/docketledger/docket/services/internal/testkit/sagatest"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var discard = slog.New(slog.DiscardHandler)

// base is day 0; the whole test lies in the past, as stored events must.
var base = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return base.Add(time.Duration(n * float64(24*time.Hour))) }

type fixture struct {
	stream jetstream.Stream
	em     *events.Emitter
	kr     *keys.Keyring
	store  model.Store
	proj   *projector.Projector
	sched  *retention.Scheduler
	now    time.Time
}

func start(t *testing.T) *fixture {
	t.Helper()
	sf := sagatest.Start(t)
	em, stream, store, p := sf.Emitter, sf.Stream, sf.Store, sf.Projector
	f := &fixture{stream: stream, em: em, kr: sf.Keyring, store: store, proj: p}
	record := func(ctx context.Context, ev *eventsv1.Event) error { _, err := em.Append(ctx, ev); return err }
	sh, err := erasure.New(erasure.Config{Reader: store, Keys: sf.Keyring, Record: record, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.sched, err = retention.New(retention.Config{Stream: stream, Reader: store, ReadPosition: sf.ReadPosition,
		Shredder: sh, Record: record, Now: func() time.Time { return f.now }, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) append(t *testing.T, evs ...*eventsv1.Event) {
	t.Helper()
	if _, err := f.em.Append(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
}

// pass runs one pass at day d.
func (f *fixture) pass(t *testing.T, d float64) retention.Report {
	t.Helper()
	f.now = day(d)
	rep, err := f.sched.Pass(context.Background())
	if err != nil {
		t.Fatalf("pass at day %v: %v", d, err)
	}
	return rep
}

func event(ref string, at time.Time, source string) *eventsv1.Event {
	return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
		OccurredAt: timestamppb.New(at), Source: source, TaxonomyVersion: "fideslang-3.1"}
}

func declare(id, group string, days uint32, trigger eventsv1.RetentionTrigger) *eventsv1.Event {
	ev := event("", day(-10), "privacy-desk")
	ev.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{
		Activity: &eventsv1.ProcessingActivity{
			ActivityId: id, Name: id, Purposes: []string{"essential.service"}, DataCategories: []string{"user.contact.email"},
			DataSubjects: []string{"customer"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Retention: &eventsv1.Retention{Days: days, TriggerEvent: trigger}, KeyGroup: group,
		}}}
	return ev
}

const fromCollection = eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION

func collected(ref, activity, group, value string, at float64) *eventsv1.Event {
	ev := event(ref, day(at), "crm")
	ev.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		ActivityId: activity, Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Values:     []*eventsv1.DataValue{{Category: "user.contact.email", KeyGroup: group, Value: &eventsv1.DataValue_Plaintext{Plaintext: value}}}}}
	return ev
}

// history is a subject's events, decoded, with the scheduler's own
// (source docketd) picked out by type.
func (f *fixture) history(t *testing.T, ref string) (all []*eventsv1.Event, ours map[string][]*eventsv1.Event) {
	t.Helper()
	f.settle(t)
	rows, err := model.AllHistory(context.Background(), f.store, "acme", ref)
	if err != nil {
		t.Fatal(err)
	}
	ours = map[string][]*eventsv1.Event{}
	for _, row := range rows {
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(row.Data, ev); err != nil {
			t.Fatal(err)
		}
		all = append(all, ev)
		if ev.GetSource() == events.RecordedBy {
			ours[events.TypeToken(ev)] = append(ours[events.TypeToken(ev)], ev)
		}
	}
	return all, ours
}

// opens reports, for each value of the subject's events in order, whether
// it still opens.
func (f *fixture) opens(t *testing.T, ref string) []bool {
	t.Helper()
	all, _ := f.history(t, ref)
	var out []bool
	for _, ev := range all {
		vals, err := events.OpenValues(context.Background(), ev, f.kr)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if v.FreeText {
				continue // a reason, a detail: not the collected values these tests follow
			}
			out = append(out, !v.Erased)
		}
	}
	return out
}

// settle waits until the read models hold every stored event.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	info, err := f.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); f.proj.Stats().Checkpoint < info.State.LastSeq; {
		if time.Now().After(deadline) {
			t.Fatalf("read models stuck at %d of %d", f.proj.Stats().Checkpoint, info.State.LastSeq)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// findings are the subject's retention findings at day d.
func (f *fixture) findings(t *testing.T, ref string, d float64) []model.Finding {
	t.Helper()
	f.settle(t)
	st, err := f.store.Subject(context.Background(), "acme", ref)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.store.Activities(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	cat := state.NewCatalogue()
	for _, r := range rows {
		if err := cat.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return state.RetentionExceeded([]*model.SubjectState{st}, cat, day(d))
}

// TestRetention: telemetry is kept 100 days from collection under a key
// group of its own; enquiries 100 days under the default group, which
// accounts (kept ten years from the end of the relationship, which has not
// ended) share.
func TestRetention(t *testing.T) {
	f := start(t)
	f.append(t, declare("telemetry", "telemetry", 100, fromCollection), declare("enquiries", "", 100, fromCollection),
		declare("accounts", "", 3650, eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED))
	f.append(t,
		collected("s-tele", "telemetry", "telemetry", "device-4711", 0),
		collected("s-tele", "telemetry", "telemetry", "device-4712", 30),
		collected("s-both", "enquiries", "", "asked@example.org", 0),
		collected("s-both", "accounts", "", "account@example.org", 5),
	)

	if rep := f.pass(t, 50); rep.Subjects != 2 || rep.Expired+rep.Held+rep.Shredded+rep.Released != 0 {
		t.Fatalf("pass at day 50: %+v, want nothing done", rep)
	}
	// Half an hour before the end of the 100 days, within the lead: the
	// telemetry group goes, and nothing can be said of s-both's enquiry yet.
	if rep := f.pass(t, 99.98); rep.Shredded != 1 || rep.Expired != 1 || rep.Held != 0 {
		t.Fatalf("pass at day 99.98: %+v, want telemetry shredded and expired", rep)
	}
	_, ours := f.history(t, "s-tele")
	if len(ours["SubjectKeyShredded"]) != 1 || len(ours["RetentionExpired"]) != 1 {
		t.Fatalf("s-tele's scheduler events: %v", ours)
	}
	if got := ours["SubjectKeyShredded"][0].GetSubjectKeyShredded().GetKeyGroups(); !reflect.DeepEqual(got, []string{"telemetry"}) {
		t.Errorf("shredded %v, want [telemetry]", got)
	}
	re := ours["RetentionExpired"][0].GetRetentionExpired()
	if re.GetActivityId() != "telemetry" || !strings.HasPrefix(re.GetAction(), "erased") || ours["RetentionExpired"][0].GetActor().GetId() != retention.ActorID {
		t.Errorf("RetentionExpired %v", re)
	}
	if got := f.opens(t, "s-tele"); !reflect.DeepEqual(got, []bool{false, false}) {
		t.Errorf("s-tele's values open: %v, want none", got)
	}
	if fs := f.findings(t, "s-tele", 300); len(fs) != 0 {
		t.Errorf("s-tele erased in time, yet findings %v", fs)
	}

	// After day 100 the enquiry's data is held: its group keeps the
	// account. The expiry is recorded once, the finding stays, nothing
	// is shredded.
	if rep := f.pass(t, 100.5); rep.Held != 1 || rep.Shredded != 0 {
		t.Fatalf("pass at day 100.5: %+v, want the enquiry held", rep)
	}
	if rep := f.pass(t, 101); rep.Expired+rep.Held+rep.Shredded+rep.Released != 0 {
		t.Fatalf("second pass at day 101: %+v, want nothing more", rep)
	}
	_, ours = f.history(t, "s-both")
	if len(ours["RetentionExpired"]) != 1 || len(ours["SubjectKeyShredded"]) != 0 {
		t.Fatalf("s-both's scheduler events: %v", ours)
	}
	if a := ours["RetentionExpired"][0].GetRetentionExpired().GetAction(); !strings.HasPrefix(a, "held: key group default still holds data of accounts") {
		t.Errorf("held action %q", a)
	}
	if got := f.opens(t, "s-both"); !reflect.DeepEqual(got, []bool{true, true}) {
		t.Errorf("s-both's values open: %v, want both", got)
	}
	fs := f.findings(t, "s-both", 101)
	if len(fs) != 1 || !strings.Contains(fs[0].Detail, "retention expiry was recorded") || !fs[0].AroseAt.Equal(day(100)) {
		t.Errorf("s-both's findings %+v, want one for the held enquiry", fs)
	}
}

// TestRelease: an erasure request kept the tax group until day 200; the
// scheduler shreds it once the hold has ended, and only then.
func TestRelease(t *testing.T) {
	f := start(t)
	req := func(at float64, p any) *eventsv1.Event {
		ev := event("s-tax", day(at), "privacy-desk")
		switch m := p.(type) {
		case *eventsv1.RightsRequestReceived:
			ev.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: m}
		case *eventsv1.RightsRequestIdentityVerified:
			ev.Payload = &eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: m}
		case *eventsv1.ErasureExemptionRecorded:
			ev.Payload = &eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: m}
		case *eventsv1.RightsRequestFulfilled:
			ev.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: m}
		}
		return ev
	}
	f.append(t,
		collected("s-tax", "", "tax", "DE00INVOICE", 0),
		req(10, &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_EMAIL}),
		req(11, &eventsv1.RightsRequestIdentityVerified{RequestId: "rr-1", Method: "email_challenge"}),
		req(12, &eventsv1.ErasureExemptionRecorded{RequestId: "rr-1", KeyGroups: []string{"tax"},
			Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION, Detail: "invoices", Until: timestamppb.New(day(200))}),
	)
	// The request is still open: a hold that ended is not released yet.
	if rep := f.pass(t, 250); rep.Released != 0 {
		t.Fatalf("pass with the request open: %+v, want no release", rep)
	}
	f.append(t, req(13, &eventsv1.RightsRequestFulfilled{RequestId: "rr-1", Outcome: "erased; tax kept"}))
	if rep := f.pass(t, 199.9); rep.Released != 0 {
		t.Fatalf("pass before the hold ends: %+v, want no release", rep)
	}
	if got := f.opens(t, "s-tax"); !reflect.DeepEqual(got, []bool{true}) {
		t.Fatalf("the invoice opens: %v, want it to", got)
	}
	if rep := f.pass(t, 200); rep.Released != 1 {
		t.Fatalf("pass when the hold ends: %+v, want the tax group released", rep)
	}
	if rep := f.pass(t, 200.1); rep.Released != 0 {
		t.Fatalf("pass after the release: %+v, want nothing", rep)
	}
	_, ours := f.history(t, "s-tax")
	sh := ours["SubjectKeyShredded"]
	if len(sh) != 1 || sh[0].GetSubjectKeyShredded().GetRequestId() != "rr-1" || !reflect.DeepEqual(sh[0].GetSubjectKeyShredded().GetKeyGroups(), []string{"tax"}) {
		t.Fatalf("release events %v", sh)
	}
	if got := f.opens(t, "s-tax"); !reflect.DeepEqual(got, []bool{false}) {
		t.Errorf("the invoice opens after the release: %v", got)
	}
}

// TestRetentionTriggers: the scheduler acts on clocks other than
// collection. Day 0 is 2025-01-06T09:00Z. s-nl's newsletter data is kept 30
// days from the withdrawal of its consent on day 10 (2025-01-16T09:00): due
// on day 40, 2025-02-15T09:00. s-acct's account closed on day 20, naming
// the accounts activity only: its data is kept 90 days, due on day 110
// (2025-04-26T09:00); the billing data, whose clock that closure does not
// start, stays.
func TestRetentionTriggers(t *testing.T) {
	f := start(t)
	nl := declare("newsletter", "newsletter", 30, eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN)
	nl.GetProcessingActivityDeclared().Activity.Purposes = []string{"marketing.communications.email"}
	f.append(t, nl,
		declare("accounts", "accounts", 90, eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED),
		declare("billing", "billing", 30, eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED))
	withdrawn := event("s-nl", day(10), "mailer")
	withdrawn.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
		Purpose: "marketing", Channel: eventsv1.Channel_CHANNEL_EMAIL}}
	closed := event("s-acct", day(20), "crm")
	closed.Payload = &eventsv1.Event_RelationshipEnded{RelationshipEnded: &eventsv1.RelationshipEnded{
		RelationshipId: "acct-77", Kind: eventsv1.RelationshipKind_RELATIONSHIP_KIND_ACCOUNT, ActivityIds: []string{"accounts"}}}
	f.append(t,
		collected("s-nl", "newsletter", "newsletter", "reader@example.org", 0),
		collected("s-acct", "accounts", "accounts", "owner@example.org", 0),
		collected("s-acct", "billing", "billing", "DE00CARD", 0),
		withdrawn, closed,
	)

	// An hour's lead: day 39.95 is 72 minutes before the newsletter's
	// due time, day 39.98 29 minutes before it.
	if rep := f.pass(t, 39.95); rep.Expired+rep.Held+rep.Shredded+rep.Released != 0 {
		t.Fatalf("pass at day 39.95: %+v, want nothing done", rep)
	}
	if rep := f.pass(t, 39.98); rep.Shredded != 1 || rep.Expired != 1 {
		t.Fatalf("pass at day 39.98: %+v, want the newsletter group shredded", rep)
	}
	_, ours := f.history(t, "s-nl")
	if re := ours["RetentionExpired"]; len(re) != 1 || re[0].GetRetentionExpired().GetActivityId() != "newsletter" {
		t.Fatalf("s-nl's expiries %v", re)
	}
	if got := f.opens(t, "s-nl"); !reflect.DeepEqual(got, []bool{false}) {
		t.Errorf("s-nl's values open: %v, want none", got)
	}

	if rep := f.pass(t, 109.95); rep.Expired+rep.Held+rep.Shredded != 0 {
		t.Fatalf("pass at day 109.95: %+v, want nothing done", rep)
	}
	if rep := f.pass(t, 109.98); rep.Shredded != 1 || rep.Expired != 1 {
		t.Fatalf("pass at day 109.98: %+v, want the accounts group shredded", rep)
	}
	_, ours = f.history(t, "s-acct")
	if sh := ours["SubjectKeyShredded"]; len(sh) != 1 || !reflect.DeepEqual(sh[0].GetSubjectKeyShredded().GetKeyGroups(), []string{"accounts"}) {
		t.Fatalf("s-acct's shreds %v, want [accounts]", sh)
	}
	if got := f.opens(t, "s-acct"); !reflect.DeepEqual(got, []bool{false, true}) {
		t.Errorf("s-acct's values open: %v, want the account's gone, the billing data kept", got)
	}
	if rep := f.pass(t, 400); rep.Expired+rep.Held+rep.Shredded+rep.Released != 0 {
		t.Errorf("pass at day 400: %+v, want nothing more", rep)
	}
	for _, ref := range []string{"s-nl", "s-acct"} {
		if fs := f.findings(t, ref, 400); len(fs) != 0 {
			t.Errorf("%s erased in time, yet findings %v", ref, fs)
		}
	}
}
