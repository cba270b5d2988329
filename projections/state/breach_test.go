package state_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// detected is when the controller became aware of the breaches below:
// Monday 3 March 2025, 09:00 UTC. The 72 hours of Art. 33(1) end on
// Thursday 6 March 2025, 09:00 UTC.
var detected = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func h(n float64) time.Time { return detected.Add(time.Duration(n * float64(time.Hour))) }

func recorded(risk string) *eventsv1.BreachRecorded {
	return &eventsv1.BreachRecorded{BreachId: "br-1", Categories: []string{catMail}, SubjectsAffectedEstimate: 40,
		DetectedAt: timestamppb.New(detected), Risk: risk}
}

func notified(phase eventsv1.BreachNotificationPhase, reason string) *eventsv1.BreachAuthorityNotified {
	return &eventsv1.BreachAuthorityNotified{BreachId: "br-1", Phase: phase, Authority: "BfDI", Reference: "case-7", DelayReason: reason}
}

func assessed(risk string) *eventsv1.BreachRiskAssessed {
	return &eventsv1.BreachRiskAssessed{BreachId: "br-1", Risk: risk}
}

var (
	initial = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL
	update  = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_UPDATE
	final   = eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_FINAL
	told    = &eventsv1.BreachSubjectsNotified{BreachId: "br-1", Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: 40}
	exempt  = &eventsv1.BreachSubjectNotificationExempted{BreachId: "br-1", Ground: eventsv1.Art34Exception_ART34_EXCEPTION_UNINTELLIGIBLE}
)

type timed struct {
	at      time.Time
	payload any
}

func TestBreachFindings(t *testing.T) {
	type want struct {
		rule     string
		id       string   // trigger event id (the finding ID is rule:id)
		events   []string // its event ids
		arose    time.Time
		inDetail string
	}
	// Events are ev-1, ev-2, ... in the order given; the BreachRecorded is
	// recorded an hour after awareness.
	for _, c := range []struct {
		name  string
		steps []timed
		now   time.Time
		want  []want
	}{
		{"notified at 71 h: in time", []timed{{h(1), recorded("low")}, {h(71), notified(initial, "")}}, h(500), nil},
		{"notified at 73 h without a reason: late", []timed{{h(1), recorded("low")}, {h(73), notified(initial, "")}}, h(500),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1", "ev-2"}, h(72), "73.0 hours after awareness"}}},
		{"notified a minute after 72 h: 72.1 hours", []timed{{h(1), recorded("low")}, {h(72 + 1.0/60), notified(initial, "")}}, h(500),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1", "ev-2"}, h(72), "72.1 hours after awareness"}}},
		{"notified at 72 h exactly: in time", []timed{{h(1), recorded("low")}, {h(72), notified(initial, "")}}, h(500), nil},
		{"notified at 73 h with a reason for the delay", []timed{{h(1), recorded("low")}, {h(73), notified(initial, "forensics")}}, h(500), nil},
		{"not notified, 71 h after awareness", []timed{{h(1), recorded("low")}}, h(71), nil},
		{"not notified, 73 h after awareness", []timed{{h(1), recorded("low")}}, h(73),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1"}, h(72), "was not notified"}}},
		{"not notified, risk never assessed", []timed{{h(1), recorded("")}}, h(73),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1"}, h(72), "was not notified"}}},
		{"risk none: no notification needed (Art. 33(5): kept in the register)", []timed{{h(1), recorded("none")}}, h(500), nil},
		{"reassessed to none before 72 h", []timed{{h(1), recorded("low")}, {h(48), assessed("none")}}, h(500), nil},
		{"reassessed to none after 72 h: the notice was owed", []timed{{h(1), recorded("low")}, {h(80), assessed("none")}}, h(500),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1"}, h(72), "was not notified"}}},
		{"phased: initial at 70 h, update at 100 h, final at 300 h", []timed{{h(1), recorded("low")},
			{h(70), notified(initial, "")}, {h(100), notified(update, "")}, {h(300), notified(final, "")}}, h(500), nil},
		{"phased, first step late: the update is not the first", []timed{{h(1), recorded("low")},
			{h(75), notified(initial, "")}, {h(90), notified(final, "")}}, h(500),
			[]want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1", "ev-2"}, h(72), "75.0 hours"}}},
		{"legacy authority_notified_at at 73 h", []timed{{h(1), func() *eventsv1.BreachRecorded {
			b := recorded("low")
			b.AuthorityNotifiedAt = timestamppb.New(h(73))
			return b
		}()}}, h(500), []want{{state.RuleBreachNotifiedLate, "ev-1", []string{"ev-1"}, h(72), "73.0 hours"}}},
		{"high risk, subjects told at 50 h", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}, {h(50), told}}, h(500), nil},
		{"high risk, Art. 34(3) exception at 60 h", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}, {h(60), exempt}}, h(500), nil},
		{"high risk, neither, 71 h after", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}}, h(71), nil},
		{"high risk, neither, 73 h after", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}}, h(73),
			[]want{{state.RuleBreachSubjectsNotInformed, "ev-1", []string{"ev-1"}, h(72), "neither was recorded by 2025-03-06T10:00:00Z"}}},
		{"high risk, subjects told at 80 h", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}, {h(80), told}}, h(500),
			[]want{{state.RuleBreachSubjectsNotInformed, "ev-1", []string{"ev-1", "ev-3"}, h(72), "told only at 2025-03-06T17:00:00Z"}}},
		{"reassessed high at 24 h, neither by 96 h", []timed{{h(1), recorded("low")}, {h(10), notified(initial, "")}, {h(24), assessed("high")}}, h(97),
			[]want{{state.RuleBreachSubjectsNotInformed, "ev-3", []string{"ev-3"}, h(96), "assessed high risk at 2025-03-04T09:00:00Z"}}},
		{"reassessed high at 24 h, 95 h after awareness", []timed{{h(1), recorded("low")}, {h(10), notified(initial, "")}, {h(24), assessed("high")}}, h(95), nil},
		{"high, reassessed low at 48 h", []timed{{h(1), recorded("high")}, {h(10), notified(initial, "")}, {h(48), assessed("low")}}, h(500), nil},
		{"steps of a breach never recorded", []timed{{h(10), notified(initial, "")}, {h(20), assessed("high")}}, h(500),
			[]want{{state.RuleBreachSubjectsNotInformed, "ev-2", []string{"ev-2"}, h(92), "assessed high risk"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s stream
			for _, st := range c.steps {
				s.add("", st.at, st.payload)
			}
			res, err := state.Replay(s.recs, c.now)
			if err != nil {
				t.Fatal(err)
			}
			var got []model.Finding
			for _, f := range res.Findings {
				if f.Rule == state.RuleBreachNotifiedLate || f.Rule == state.RuleBreachSubjectsNotInformed {
					got = append(got, f)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d findings %+v, want %d", len(got), got, len(c.want))
			}
			// The register's clock says the same as the findings.
			wantLate, wantUntold := false, false
			for _, w := range c.want {
				wantLate = wantLate || w.rule == state.RuleBreachNotifiedLate
				wantUntold = wantUntold || w.rule == state.RuleBreachSubjectsNotInformed
			}
			if clock := state.ClockOf(res.Breaches[0], c.now); clock.Late != wantLate || clock.SubjectsLate != wantUntold {
				t.Errorf("clock late %v, subjects late %v; want %v, %v", clock.Late, clock.SubjectsLate, wantLate, wantUntold)
			}
			for i, w := range c.want {
				f := got[i]
				if f.ID != w.rule+":"+w.id || strings.Join(f.EventIDs, ",") != strings.Join(w.events, ",") ||
					!f.AroseAt.Equal(w.arose) || f.SubjectRef != "" || f.Tenant != tenant {
					t.Errorf("finding %d = %s %v arose %s, want %s:%s %v arose %s", i, f.ID, f.EventIDs, f.AroseAt, w.rule, w.id, w.events, w.arose)
				}
				if !strings.Contains(f.Detail, w.inDetail) || !strings.Contains(f.Detail, "Art. 3") {
					t.Errorf("detail %q lacks %q or its article", f.Detail, w.inDetail)
				}
			}
		})
	}
}

// TestBreachRegister folds a breach's whole life cycle into its row: the
// clock shown on the register's page, the phases, the subjects told, and a
// step for another breach id never recorded kept apart.
func TestBreachRegister(t *testing.T) {
	var s stream
	s.add("", h(2), recorded("low"))        // ev-1
	s.add("", h(30), notified(initial, "")) // ev-2
	s.add("", h(40), assessed("high"))      // ev-3
	up := notified(update, "")
	up.Categories, up.SubjectsAffectedEstimate = []string{catMail, catName}, 120
	s.add("", h(90), up)                                                         // ev-4
	s.add("", h(100), told)                                                      // ev-5
	s.add("", h(200), notified(final, ""))                                       // ev-6
	s.add("", h(300), &eventsv1.BreachClosed{BreachId: "br-1", Summary: "done"}) // ev-7
	s.add("", h(5), &eventsv1.BreachClosed{BreachId: "br-ghost"})                // ev-8
	res, err := state.Replay(s.recs, h(400))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Breaches) != 2 {
		t.Fatalf("%d breaches, want 2 (br-1 and br-ghost)", len(res.Breaches))
	}
	r := res.Breaches[0]
	if r.BreachID != "br-1" || !r.Recorded || r.FirstSeq != 1 || !r.DetectedAt.Equal(detected) {
		t.Errorf("row = %+v", r)
	}
	if len(r.AuthorityNotices) != 3 || r.AuthorityNotices[0].Phase != "BREACH_NOTIFICATION_PHASE_INITIAL" ||
		r.AuthorityNotices[2].Phase != "BREACH_NOTIFICATION_PHASE_FINAL" || r.AuthorityNotices[0].Reference != "case-7" {
		t.Errorf("authority notices = %+v", r.AuthorityNotices)
	}
	if strings.Join(r.Categories, ",") != catMail+","+catName || r.SubjectsAffectedEstimate != 120 {
		t.Errorf("categories %v estimate %d: want the update's", r.Categories, r.SubjectsAffectedEstimate)
	}
	if strings.Join(r.EventIDs, ",") != "ev-1,ev-2,ev-3,ev-4,ev-5,ev-6,ev-7" || r.ClosedEventID != "ev-7" {
		t.Errorf("event ids %v closed by %s", r.EventIDs, r.ClosedEventID)
	}
	c := state.ClockOf(r, h(400))
	if c.HoursToNotice != 30 || c.Late || !c.NotificationRequired || c.Risk != "high" ||
		c.Subjects != state.BreachSubjectsTold || c.SubjectsLate || !c.Closed || !c.NotifyBy.Equal(h(72)) {
		t.Errorf("clock at 400 h = %+v", c)
	}
	// Before it was closed, and before the subjects were told.
	if c := state.ClockOf(r, h(99)); c.Closed || c.Subjects != state.BreachSubjectsNotTold {
		t.Errorf("clock at 99 h = %+v", c)
	}
	// Before the risk was reassessed: low, subjects need not be told.
	if c := state.ClockOf(r, h(35)); c.Risk != "low" || c.Subjects != state.BreachSubjectsNotRequired {
		t.Errorf("clock at 35 h = %+v", c)
	}
	g := res.Breaches[1]
	if g.BreachID != "br-ghost" || g.Recorded || g.ClosedAt == nil || g.DetectedAt != nil {
		t.Errorf("never-recorded breach = %+v", g)
	}
	if c := state.ClockOf(g, h(400)); c.Late || !c.NotifyBy.IsZero() {
		t.Errorf("never-recorded breach's clock = %+v", c)
	}
}
