package state_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/go-cmp/cmp"
)

// diffJSON is cmp's diff (-a +b) of a and b as JSON documents: "" when
// they marshal to the same JSON.
func diffJSON(t *testing.T, a, b any) string {
	t.Helper()
	var docs [2]any
	for i, v := range []any{a, b} {
		x, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(x, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return cmp.Diff(docs[0], docs[1])
}

// lifecycle is a small stream touching every kind of state.
func lifecycle() *stream {
	s := &stream{lag: time.Second}
	s.declare(newsletter(), telemetry())
	s.add(subj, day(0), consent(useMail))
	dc := collected("newsletter", consentBasis, useMail)
	dc.Values = []*eventsv1.DataValue{{Category: catMail, KeyGroup: "marketing"}}
	s.add(subj, day(0), dc)
	s.add(subj, day(1), seen())
	s.add(subj, day(2), mailing("newsletter", consentBasis))
	s.add(subj, day(3), &eventsv1.RestrictionApplied{RestrictionId: "rs-1", Purposes: []string{useImp}})
	s.add(subj, day(4), seen())
	s.add(subj, day(5), &eventsv1.RestrictionLifted{RestrictionId: "rs-1"})
	s.add(subj, day(6), &eventsv1.ObjectionRecorded{Purposes: []string{useImp}})
	s.add(subj, day(7), withdraw(useMail))
	s.add("u_2", day(7), &eventsv1.RightsRequestReceived{RequestId: "rr-1", Right: eventsv1.Right_RIGHT_ERASURE})
	s.add("u_2", day(8), &eventsv1.ErasureExecuted{RequestId: "rr-1", System: "crm"})
	s.add("u_2", day(8), &eventsv1.SubjectKeyShredded{KeyGroups: []string{"default"}, RequestId: "rr-1"})
	s.add("u_2", day(9), &eventsv1.RightsRequestFulfilled{RequestId: "rr-1"})
	s.add("", day(9), &eventsv1.BreachRecorded{BreachId: "br-1", Categories: []string{catMail}})
	return s
}

func TestApplyState(t *testing.T) {
	s := lifecycle()
	res, err := state.Replay(s.recs, day(200))
	if err != nil {
		t.Fatal(err)
	}
	st := res.Subject(tenant, subj)
	if st.Events != 9 || st.FirstSeq != 3 || st.LastSeq != 11 || !st.FirstSeen.Equal(day(0)) || !st.LastSeen.Equal(day(7)) {
		t.Errorf("counters: %+v", st)
	}
	c := st.Consents[useMail]
	if c == nil || c.Given || c.GivenAt == nil || c.WithdrawnAt == nil || c.EventID != "ev-11" || c.NoticeID != "privacy" ||
		c.Method != "CONSENT_METHOD_CHECKBOX" || len(c.NoticeSHA256) != 64 {
		t.Errorf("consent: %+v", c)
	}
	if r := st.Restrictions["rs-1"]; r == nil || r.LiftedAt == nil || r.EventID != "ev-7" {
		t.Errorf("restriction: %+v", r)
	}
	if len(st.Objections) != 1 || st.Objections[0].EventID != "ev-10" {
		t.Errorf("objections: %+v", st.Objections)
	}
	if col := st.Collected["telemetry"]; col == nil || !col.First.Equal(day(1)) || !col.Last.Equal(day(4)) || col.EndedAt != nil {
		t.Errorf("collected: %+v", col)
	}
	u2 := res.Subject(tenant, "u_2")
	if !u2.Erasures["crm"].Equal(day(8)) || !u2.Shredded["default"].Equal(day(8)) || len(u2.OpenRequests) != 0 {
		t.Errorf("u_2: %+v", u2)
	}
	var rules []string
	for _, f := range res.Findings {
		rules = append(rules, f.Rule+":"+f.ID[len(f.Rule)+1:])
	}
	// The newsletter's data (ev-4) is kept 30 days from the withdrawal on
	// day 7, the telemetry (ev-5) 100 days from day 1: both held on day 200.
	want := []string{state.RuleDuringRestriction + ":ev-8", state.RuleRetentionExceeded + ":ev-4", state.RuleRetentionExceeded + ":ev-5"}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("findings %v, want %v", rules, want)
	}
	if len(res.Audit) != len(s.recs) || len(res.Activities) != 2 || len(res.Disclosures) != 1 || len(res.Requests) != 1 {
		t.Errorf("%d audit, %d activities, %d disclosures, %d requests", len(res.Audit), len(res.Activities), len(res.Disclosures), len(res.Requests))
	}
}

func TestApplyRows(t *testing.T) {
	s := &stream{lag: time.Minute}
	s.declare(newsletter())
	dm := mailing("newsletter", consentBasis)
	dm.LegalInstrumentRef = "order-1"
	rec := s.add(subj, day(2), dm)
	st, cat, _ := run(t, s)
	eff, err := state.Apply(st, nil, cat, rec)
	if err != nil {
		t.Fatal(err)
	}
	wantAudit := model.AuditRow{Seq: 2, EventID: "ev-2", Tenant: tenant, SubjectRef: subj, Type: "docket.events.v1.DisclosureMade",
		Categories: []string{catName, catMail}, Purposes: []string{useMail}, LegalBasis: "LEGAL_BASIS_ART6_1_A_CONSENT",
		Recipient: "mailer", OccurredAt: day(2), RecordedAt: day(2).Add(time.Minute), Source: "test",
		ActorKind: "ACTOR_KIND_SYSTEM", ActorID: "job-1", Data: rec.Data}
	if !reflect.DeepEqual(eff.Audit, wantAudit) {
		t.Errorf("audit\n got %+v\nwant %+v", eff.Audit, wantAudit)
	}
	d := eff.Disclosure
	if d == nil || d.RecipientKind != "RECIPIENT_KIND_PROCESSOR" || d.TransferMechanism != "TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES" ||
		d.LegalInstrumentRef != "order-1" || d.ActivityID != "newsletter" || d.SpecialCondition != "" {
		t.Errorf("disclosure %+v", d)
	}
	var obs []string
	for _, o := range eff.Observed {
		obs = append(obs, o.Kind+"="+o.Key)
		if o.Count != 1 || o.FirstSeq != 2 || o.FirstEventID != "ev-2" {
			t.Errorf("observed %+v", o)
		}
	}
	if want := []string{"purpose=" + useMail, "recipient=mailer", "category=" + catName, "category=" + catMail}; !reflect.DeepEqual(obs, want) {
		t.Errorf("observed %v, want %v", obs, want)
	}

	// A declaration gives an activity row and no subject effects.
	eff, err = state.Apply(nil, nil, cat, s.recs[0])
	if err != nil || eff.Activity == nil || eff.Activity.ActivityID != "newsletter" || eff.Activity.Amended || eff.Observed != nil {
		t.Errorf("declaration: %+v, %v", eff, err)
	}
}

func TestApplyRefuses(t *testing.T) {
	s := &stream{}
	s.add("", day(0), &eventsv1.ProcessingActivityDeclared{Activity: newsletter()})
	s.add(subj, day(0), consent(useMail))
	cat := state.NewCatalogue()
	for name, c := range map[string]struct {
		st  *model.SubjectState
		idx int
	}{
		"controller-level with a state": {&model.SubjectState{Tenant: tenant, SubjectRef: subj}, 0},
		"subject-level without a state": {nil, 1},
		"another subject's state":       {&model.SubjectState{Tenant: tenant, SubjectRef: "u_9"}, 1},
	} {
		if _, err := state.Apply(c.st, nil, cat, s.recs[c.idx]); !errors.Is(err, state.ErrMismatch) {
			t.Errorf("%s: %v, want ErrMismatch", name, err)
		}
	}
}

// TestDeterministic: the same stream gives the same rows and findings.
func TestDeterministic(t *testing.T) {
	a, err := state.Replay(lifecycle().recs, day(200))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := state.Replay(lifecycle().recs, day(200))
		if err != nil {
			t.Fatal(err)
		}
		a.Catalogue, b.Catalogue = nil, nil
		if d := diffJSON(t, a, b); d != "" || !reflect.DeepEqual(a, b) {
			t.Fatalf("two replays of one stream differ (-first +another):\n%s", d)
		}
	}
}

// TestReplayOrder: records must come in stream order.
func TestReplayOrder(t *testing.T) {
	s := lifecycle()
	recs := append(s.recs[:0:0], s.recs...)
	recs[3], recs[4] = recs[4], recs[3]
	if _, err := state.Replay(recs, time.Time{}); err == nil {
		t.Error("Replay accepted records out of order")
	}
}
