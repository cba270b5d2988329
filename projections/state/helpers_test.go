package state_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const (
	tenant  = "acme"
	subj    = "u_1"
	useMail = "marketing.communications.email"
	useImp  = "functional.service.improve"
	useSvc  = "essential.service"
	catMail = "user.contact.email"
	catName = "user.name.first"
	catHlth = "user.health_and_medical"
)

var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

// stream builds records in stream order; recorded_at is occurred_at plus
// lag unless an event sets it.
type stream struct {
	recs []source.Record
	lag  time.Duration
}

// add appends an event of subject ref ("" for controller-level) occurring
// at at, with the given payload; its id is "ev-<seq>".
func (s *stream) add(ref string, at time.Time, payload any) source.Record {
	return s.addRecorded(ref, at, at.Add(s.lag), payload)
}

func (s *stream) addRecorded(ref string, at, recorded time.Time, payload any) source.Record {
	seq := uint64(len(s.recs) + 1)
	ev := &eventsv1.Event{
		EventId: fmt.Sprintf("ev-%d", seq), Tenant: tenant, SubjectRef: ref, OccurredAt: timestamppb.New(at),
		Source: "test", Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "job-1"},
		TaxonomyVersion: "fideslang-3.1",
	}
	// The payload goes in the oneof field of its message type.
	pm, ok := payload.(proto.Message)
	if !ok {
		panic(fmt.Sprintf("payload %T is not a message", payload))
	}
	fields := ev.ProtoReflect().Descriptor().Oneofs().ByName("payload").Fields()
	set := false
	for i := range fields.Len() {
		if fd := fields.Get(i); fd.Message().FullName() == pm.ProtoReflect().Descriptor().FullName() {
			ev.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(pm.ProtoReflect()))
			set = true
		}
	}
	if !set {
		panic(fmt.Sprintf("unknown payload %T", payload))
	}
	data, err := proto.Marshal(ev)
	if err != nil {
		panic(err)
	}
	ev.RecordedAt = timestamppb.New(recorded)
	rec := source.Record{Sequence: seq, RecordedAt: recorded, Subject: "docket." + tenant, Data: data, Event: ev}
	s.recs = append(s.recs, rec)
	return rec
}

// Activities of the test catalogue.
func newsletter() *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "newsletter", Name: "Newsletter", Purposes: []string{useMail}, DataCategories: []string{catName, catMail},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT, KeyGroup: "marketing",
		Recipients: []*eventsv1.Recipient{mailer()},
		Retention:  &eventsv1.Retention{Days: 30, Trigger: "consent withdrawn", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN},
	}
}

func telemetry() *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "telemetry", Name: "Telemetry", Purposes: []string{useImp}, DataCategories: []string{"user.unique_id"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
		Retention:  &eventsv1.Retention{Days: 100, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
	}
}

func sickness(cond eventsv1.LegalBasis) *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "sickness", Name: "Sickness", Purposes: []string{"essential.legal_obligation"},
		DataCategories: []string{catHlth}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
		SpecialCategoryCondition: cond, KeyGroup: "hr",
		Retention: &eventsv1.Retention{Days: 1460, Trigger: "the absence record", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
	}
}

func support() *eventsv1.ProcessingActivity {
	return &eventsv1.ProcessingActivity{
		ActivityId: "support", Name: "Support", Purposes: []string{useSvc}, DataCategories: []string{"user.contact"},
		LegalBasis: contract, Retention: &eventsv1.Retention{Days: 365, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
	}
}

// brokered is health data bought from a broker under activity "broker",
// which the test catalogue never declares, with a condition the source
// declares for itself (Art. 9(2)(h)).
func brokered() *eventsv1.DataCollected {
	return &eventsv1.DataCollected{ActivityId: "broker", Purposes: []string{"personalize"}, Categories: []string{catHlth},
		LegalBasis: liBasis, SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_H_HEALTH_SOCIAL_CARE,
		CollectionSource: "third_party:broker-1"}
}

func mailer() *eventsv1.Recipient {
	return &eventsv1.Recipient{Id: "mailer", Name: "Mailer Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES}
}

func recipient(id string) *eventsv1.Recipient {
	return &eventsv1.Recipient{Id: id, Name: id, Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, Country: "IE",
		TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
}

// declare declares the test catalogue at t0 - 1 day.
func (s *stream) declare(acts ...*eventsv1.ProcessingActivity) {
	for _, a := range acts {
		s.add("", day(-1), &eventsv1.ProcessingActivityDeclared{Activity: a})
	}
}

func collected(activity string, basis eventsv1.LegalBasis, purposes ...string) *eventsv1.DataCollected {
	return &eventsv1.DataCollected{ActivityId: activity, Purposes: purposes, Categories: []string{catMail}, LegalBasis: basis}
}

// seen is a telemetry collection within its declaration.
func seen() *eventsv1.DataCollected {
	dc := collected("telemetry", liBasis, useImp)
	dc.Categories = []string{"user.unique_id"}
	return dc
}

func mailing(activity string, basis eventsv1.LegalBasis) *eventsv1.DisclosureMade {
	return &eventsv1.DisclosureMade{Recipient: mailer(), Categories: []string{catName, catMail}, Purpose: useMail,
		LegalBasis: basis, ActivityId: activity}
}

func consent(purpose string) *eventsv1.ConsentGiven {
	return &eventsv1.ConsentGiven{Purpose: purpose, NoticeId: "privacy", NoticeVersion: "1", NoticeSha256: make([]byte, 32),
		Method: eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, Channel: eventsv1.Channel_CHANNEL_WEB}
}

func withdraw(purpose string) *eventsv1.ConsentWithdrawn {
	return &eventsv1.ConsentWithdrawn{Purpose: purpose, Channel: eventsv1.Channel_CHANNEL_EMAIL}
}

const (
	consentBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT
	liBasis      = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
	contract     = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT
)

// run applies every record but the last to fresh state and returns the
// state, the catalogue and the last record (not applied).
func run(t *testing.T, s *stream) (*model.SubjectState, *state.Catalogue, source.Record) {
	t.Helper()
	cat := state.NewCatalogue()
	subjects := map[string]*model.SubjectState{}
	reqs := map[string]*model.RequestRow{}
	lookup := func(_, id string) *model.RequestRow { return reqs[id] }
	last := s.recs[len(s.recs)-1]
	for _, rec := range s.recs[:len(s.recs)-1] {
		var st *model.SubjectState
		if ref := rec.Event.GetSubjectRef(); ref != "" {
			if st = subjects[ref]; st == nil {
				st = &model.SubjectState{Tenant: tenant, SubjectRef: ref}
				subjects[ref] = st
			}
		}
		eff, err := state.Apply(st, lookup, cat, rec)
		if err != nil {
			t.Fatalf("Apply(%s): %v", rec.Event.GetEventId(), err)
		}
		if eff.Request != nil {
			reqs[eff.Request.RequestID] = eff.Request
		}
	}
	st := subjects[last.Event.GetSubjectRef()]
	if st == nil {
		st = &model.SubjectState{Tenant: tenant, SubjectRef: last.Event.GetSubjectRef()}
	}
	return st, cat, last
}

// brief is a finding reduced to what the tests compare.
type brief struct {
	Rule     string
	EventIDs string
}

func briefs(fs []model.Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		ids := ""
		for i, id := range f.EventIDs {
			if i > 0 {
				ids += ","
			}
			ids += id
		}
		out = append(out, brief{f.Rule, ids})
	}
	return out
}

const (
	adequacy = eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION
	scc      = eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES
)

// transfer is a processor "overseas" in country under mechanism.
func transfer(country string, tm eventsv1.TransferMechanism) *eventsv1.Recipient {
	return &eventsv1.Recipient{Id: "overseas", Name: "Overseas Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: country, TransferMechanism: tm}
}

// disclosed is a disclosure of an email address to r.
func disclosed(r *eventsv1.Recipient) *eventsv1.DisclosureMade {
	return &eventsv1.DisclosureMade{Recipient: r, Categories: []string{catMail}, Purpose: useSvc, LegalBasis: liBasis}
}

// ruleCase is one case of an event-time rule: the events build adds before
// the last are folded in, and the rule judges the last against that state.
type ruleCase struct {
	name  string
	rule  string
	build func(s *stream)
	want  []brief
}

// checkRules runs each case as a subtest named rule/name.
func checkRules(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			st, cat, rec := run(t, s)
			got := briefs(state.CheckRule(tt.rule, st, cat, rec))
			if want := append([]brief{}, tt.want...); !reflect.DeepEqual(got, want) {
				t.Errorf("findings %v, want %v", got, want)
			}
		})
	}
}
