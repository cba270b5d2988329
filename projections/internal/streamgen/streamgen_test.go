package streamgen_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/internal/streamgen"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

var seeds = []int64{1, 2, 3, 42, -7}

func TestEveryEventValid(t *testing.T) {
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			evs := streamgen.Generate(seed, 3000)
			if len(evs) != 3000 {
				t.Fatalf("len = %d, want 3000", len(evs))
			}
			ids := map[string]int{}
			for i, ev := range evs {
				if err := events.Validate(ev); err != nil {
					t.Fatalf("events[%d] (%s): %v", i, events.TypeName(ev), err)
				}
				if j, dup := ids[ev.GetEventId()]; dup {
					t.Fatalf("events[%d] repeats the event id of events[%d]", i, j)
				}
				ids[ev.GetEventId()] = i
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, b := streamgen.Generate(9, 1500), streamgen.Generate(9, 1500)
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			t.Fatalf("events[%d] differs between two runs with the same seed", i)
		}
	}
	other := streamgen.Generate(10, 1500)
	same := 0
	for i := range a {
		if a[i].GetEventId() == other[i].GetEventId() {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 9 and 10 share %d event ids", same)
	}
}

// TestCoversEveryPayload walks the Event oneof by reflection, so that a
// payload type added to the vocabulary without a generator fails here.
func TestCoversEveryPayload(t *testing.T) {
	oneof := (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")
	fields := oneof.Fields()
	if got := streamgen.PayloadFields(); len(got) != fields.Len() {
		t.Fatalf("PayloadFields lists %d fields, the oneof has %d", len(got), fields.Len())
	}
	for _, n := range []int{streamgen.MinCoverage, 100, 500, 3000} {
		for _, seed := range seeds {
			counts := map[protoreflect.Name]int{}
			for _, ev := range streamgen.Generate(seed, n) {
				fd := ev.ProtoReflect().WhichOneof(oneof)
				if fd == nil {
					t.Fatalf("n=%d seed=%d: an event without a payload", n, seed)
				}
				counts[fd.Name()]++
			}
			for i := range fields.Len() {
				if name := fields.Get(i).Name(); counts[name] == 0 {
					t.Errorf("n=%d seed=%d: no %s event", n, seed, name)
				}
			}
		}
	}
}

func TestTaxonomyKeys(t *testing.T) {
	cats, uses, subjects := streamgen.Vocabulary()
	for _, k := range cats {
		if !taxonomy.IsDataCategory(k) {
			t.Errorf("vocabulary: %q is not a data category", k)
		}
	}
	for _, k := range uses {
		if !taxonomy.IsDataUse(k) {
			t.Errorf("vocabulary: %q is not a data use", k)
		}
	}
	for _, k := range subjects {
		if !taxonomy.IsDataSubject(k) {
			t.Errorf("vocabulary: %q is not a data subject", k)
		}
	}
	// And every key the stream names, wherever it sits.
	for i, ev := range streamgen.Generate(5, 3000) {
		if ev.GetTaxonomyVersion() != taxonomy.Version {
			t.Fatalf("events[%d]: taxonomy version %q", i, ev.GetTaxonomyVersion())
		}
		keys(ev.ProtoReflect(), func(kind, key string) {
			var ok bool
			switch kind {
			case "category":
				ok = taxonomy.IsDataCategory(key)
			case "use":
				ok = taxonomy.IsDataUse(key)
			default:
				ok = taxonomy.IsDataSubject(key)
			}
			if !ok {
				t.Errorf("events[%d]: %q is not a fideslang %s", i, key, kind)
			}
		})
	}
}

// keys calls fn for every taxonomy key in m, found by field name.
func keys(m protoreflect.Message, fn func(kind, key string)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		var kind string
		switch fd.Name() {
		case "categories", "data_categories", "category":
			kind = "category"
		case "purposes", "purpose":
			kind = "use"
		case "data_subjects":
			kind = "subject"
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := range v.List().Len() {
				keys(v.List().Get(i).Message(), fn)
			}
		case fd.IsList() && kind != "":
			for i := range v.List().Len() {
				fn(kind, v.List().Get(i).String())
			}
		case fd.Message() != nil:
			keys(v.Message(), fn)
		case kind != "" && fd.Kind() == protoreflect.StringKind:
			fn(kind, v.String())
		}
		return true
	})
}

func TestStreamShape(t *testing.T) {
	evs := streamgen.Generate(11, 3000)
	subjects := map[string]map[string]bool{}
	firstOfTenant := map[string]*eventsv1.Event{}
	var latest time.Time
	var late, plaintext, undeclared, confidential, withRecipients int
	declared := map[string]map[string]bool{} // tenant -> recipient ids declared so far
	for _, ev := range evs {
		tn := ev.GetTenant()
		if firstOfTenant[tn] == nil {
			firstOfTenant[tn] = ev
			subjects[tn] = map[string]bool{}
			declared[tn] = map[string]bool{}
		}
		if ref := ev.GetSubjectRef(); ref != "" {
			subjects[tn][ref] = true
		}
		at := ev.GetOccurredAt().AsTime()
		if at.Before(latest) {
			late++
		} else {
			latest = at
		}
		for _, v := range events.Values(ev) {
			if v.Value.GetPlaintext() != "" {
				plaintext++
			}
		}
		if a := ev.GetProcessingActivityDeclared().GetActivity(); a != nil {
			if len(a.GetRecipients()) > 0 {
				withRecipients++
			}
			for _, r := range a.GetRecipients() {
				declared[tn][r.GetId()] = true
			}
		}
		if d := ev.GetDisclosureMade(); d != nil {
			if !declared[tn][d.GetRecipient().GetId()] {
				undeclared++
			}
			if d.GetRecipient().GetKind() == eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY && d.GetConfidentialUntil() != nil {
				confidential++
			}
		}
	}
	if n := len(subjects); n < 2 || n > 3 {
		t.Errorf("%d tenants, want 2 or 3", n)
	}
	for tn, s := range subjects {
		if len(s) < 50 || len(s) > 200 {
			t.Errorf("tenant %s: %d subjects, want 50 to 200", tn, len(s))
		}
		if firstOfTenant[tn].GetProcessingActivityDeclared() == nil {
			t.Errorf("tenant %s: first event is %s, want its catalogue first", tn, events.TypeName(firstOfTenant[tn]))
		}
	}
	for what, got := range map[string]int{
		"late reports": late, "plaintext values": plaintext, "disclosures to undeclared recipients": undeclared,
		"confidential disclosures to public authorities": confidential, "declarations with recipients": withRecipients,
	} {
		if got < 5 {
			t.Errorf("%d %s, want some", got, what)
		}
	}
	if late > len(evs)/8 {
		t.Errorf("%d late reports in %d events: occurred_at should mostly increase", late, len(evs))
	}
}

// TestPlantsFindings folds a stream with the reference projection: every
// compliance rule must fire, or the read-model tests built on these streams
// would not exercise it.
func TestPlantsFindings(t *testing.T) {
	evs := streamgen.Generate(3, 3000)
	recs := make([]source.Record, len(evs))
	for i, ev := range evs {
		recs[i] = source.Record{Sequence: uint64(i + 1), RecordedAt: streamgen.Start.Add(time.Duration(i) * time.Second), Subject: events.Subject(ev), Event: ev}
	}
	res, err := state.Replay(recs, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]int{}
	for _, f := range res.Findings {
		rules[f.Rule]++
	}
	for _, r := range state.Rules {
		if r == state.RuleUnprojectable {
			continue // the projector's, for stored messages that are not events
		}
		if r == state.RuleRetentionWithoutLimit {
			continue // only declarations stored before Validate required a limit raise it
		}
		if rules[r] == 0 {
			t.Errorf("no %s finding", r)
		}
	}
	var statuses []string
	for _, r := range res.Requests {
		if !slices.Contains(statuses, r.Status) {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 3 {
		t.Errorf("request statuses %v, want open, fulfilled and denied", statuses)
	}
	t.Logf("findings by rule: %v", rules)
}
