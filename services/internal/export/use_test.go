package export

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/taxonomy/labels"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestUseIsListedAsProcessing: a use (DataProcessed) holds no values, but
// the Art. 15 report lists it as processing that happened, under its
// activity, with its period, and tells the profiling and the automated
// decisions it took (Art. 15(1)(h)). Two fraud checks on 3 and 9 March
// 2026: a score (profiling), then a refusal with legal effect under the
// contract exception.
func TestUseIsListedAsProcessing(t *testing.T) {
	fraud := &eventsv1.ProcessingActivity{ActivityId: "fraud", Name: "Fraud checks",
		Retention: &eventsv1.Retention{Days: 400, Trigger: "collection"}}
	r := &Report{Data: []Datum{}, Processing: []Processing{}}
	b := builder{r: r, cat: map[string]*eventsv1.ProcessingActivity{"fraud": fraud}, processing: map[string]*Processing{},
		recipients: map[string]*Recipient{}}
	first, second := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 16, 30, 0, 0, time.UTC)
	use := func(seq uint64, at time.Time, u *eventsv1.DataProcessed) {
		u.ActivityId, u.Purposes, u.System = "fraud", []string{"essential.fraud_detection"}, "risk-engine"
		u.LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
		ev := &eventsv1.Event{EventId: "ev-" + string(rune('0'+seq)), OccurredAt: timestamppb.New(at), Source: "risk",
			Payload: &eventsv1.Event_DataProcessed{DataProcessed: u}}
		b.add(model.AuditRow{Seq: seq}, ev, nil)
	}
	use(1, first, &eventsv1.DataProcessed{Categories: []string{"user.device.ip_address"}, Profiling: true})
	use(2, second, &eventsv1.DataProcessed{Categories: []string{"user.unique_id"}, Profiling: true,
		AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT,
		Art22Exception:    eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT})
	b.finish()

	want := []Processing{{
		Activity: "fraud", Name: "Fraud checks", Purposes: []string{"essential.fraud_detection"},
		Categories: []string{"user.device.ip_address", "user.unique_id"}, LegalBases: []string{"LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS"},
		Retention: "400 days after collection", FirstAt: first, LastAt: second, Profiling: true,
		AutomatedDecision: "AUTOMATED_DECISION_SIGNIFICANT_EFFECT", Art22Exceptions: []string{"ART22_EXCEPTION_CONTRACT"},
	}}
	if !reflect.DeepEqual(r.Processing, want) {
		t.Errorf("processing %+v, want %+v", r.Processing, want)
	}
	if len(r.Data) != 0 || len(r.Recipients) != 0 {
		t.Errorf("data %v, recipients %v: a use holds no values and discloses nothing", r.Data, r.Recipients)
	}
	r.Rights = rights
	page, err := renderHTML(newView(r, second, nil, b.cat, labels.For("en")))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"(profiling, Art. 4(4) GDPR)", "automated decisions with legal or similarly significant effects (Art. 22 GDPR)",
		"Allowed because: <span title=\"ART22_EXCEPTION_CONTRACT\">necessary for a contract with the data subject (Art. 22(2)(a) GDPR)</span>", "3 March 2026 – 9 March 2026"} {
		if !strings.Contains(string(page), w) {
			t.Errorf("the report does not say %q", w)
		}
	}
}
