package export

import (
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestPortabilityScope works out by hand what Art. 20 gives a subject of
// these events, one a day from 1 April 2026 (sequence n on day n):
//
//	1 email observed by the shop under the contract      → provided (WP242: observed counts)
//	2 IP address from a third party under the contract   → not provided (not from the subject)
//	3 name given by the subject under legitimate interest → not provided (Art. 20(1)(a): consent or contract only)
//	4 the email rectified on the subject's request rr-1    → provided, current; the observed email is superseded
//	5 phone given under consent                           → provided, but ...
//	6 ... the subject's own rectification was erased      → provided, and no phone is current, not even 5's
//	8 address observed under the contract                 → provided, but superseded by ...
//	9 ... staff's correction from a postal register       → current, not provided: the subject did not supply it
//
// and a password hash collected under the contract on day 7, which is
// listed as held, never with its value, in the data and in the Art. 20
// part alike.
func TestPortabilityScope(t *testing.T) {
	r := &Report{Data: []Datum{}, Provided: []Datum{}, Processing: []Processing{}}
	b := builder{r: r, cat: map[string]*eventsv1.ProcessingActivity{}, processing: map[string]*Processing{}, recipients: map[string]*Recipient{}}
	contract, consent := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT
	li := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
	day := func(seq uint64) time.Time { return time.Date(2026, 4, int(seq), 9, 0, 0, 0, time.UTC) }
	add := func(seq uint64, p any, vals ...events.Opened) {
		ev := &eventsv1.Event{EventId: "ev", OccurredAt: timestamppb.New(day(seq)), Source: "shop",
			Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: "ops-1"}}
		if seq == 6 {
			ev.Actor.Kind = eventsv1.ActorKind_ACTOR_KIND_DATA_SUBJECT
		}
		switch m := p.(type) {
		case *eventsv1.DataCollected:
			m.ActivityId, m.Purposes = "account", []string{"essential.service"}
			ev.Payload = &eventsv1.Event_DataCollected{DataCollected: m}
		case *eventsv1.DataRectified:
			ev.Payload = &eventsv1.Event_DataRectified{DataRectified: m}
		}
		b.add(model.AuditRow{Seq: seq}, ev, vals)
	}
	const hash = "argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
	add(1, &eventsv1.DataCollected{LegalBasis: contract, CollectionSource: "observed"}, events.Opened{Category: "user.contact.email", Plaintext: "old@example.org"})
	add(2, &eventsv1.DataCollected{LegalBasis: contract, CollectionSource: "third_party:geo"}, events.Opened{Category: "user.device.ip_address", Plaintext: "192.0.2.1"})
	add(3, &eventsv1.DataCollected{LegalBasis: li, CollectionSource: "data_subject"}, events.Opened{Category: "user.name", Plaintext: "Ada"})
	add(4, &eventsv1.DataRectified{RequestId: "rr-1"}, events.Opened{Category: "user.contact.email", Plaintext: "new@example.org"})
	add(5, &eventsv1.DataCollected{LegalBasis: consent, CollectionSource: "data_subject"}, events.Opened{Category: "user.contact.phone_number", Plaintext: "+44 117 496 0000"})
	add(6, &eventsv1.DataRectified{}, events.Opened{Category: "user.contact.phone_number", Erased: true})
	add(7, &eventsv1.DataCollected{LegalBasis: contract, CollectionSource: "data_subject"}, events.Opened{Category: "user.authorization.credentials", Plaintext: hash})
	add(8, &eventsv1.DataCollected{LegalBasis: contract, CollectionSource: "observed"}, events.Opened{Category: "user.contact.address.postal_code", Plaintext: "BS1 4DJ"})
	add(9, &eventsv1.DataRectified{}, events.Opened{Category: "user.contact.address.postal_code", Plaintext: "BS1 4DL"})
	b.finish()

	type got struct {
		Seq               uint64
		Category, Value   string
		Current, Withheld bool
		Erased            bool
		Basis, Activity   string
	}
	list := func(ds []Datum) []got {
		var out []got
		for _, d := range ds {
			out = append(out, got{d.Sequence, d.Category, d.Value, d.Current, d.Withheld, d.Erased, d.LegalBasis, d.Activity})
		}
		return out
	}
	cb, cs := events.EnumName(contract), events.EnumName(consent)
	wantProvided := []got{
		{7, "user.authorization.credentials", "", true, true, false, cb, "account"},
		{8, "user.contact.address.postal_code", "BS1 4DJ", false, false, false, cb, "account"},
		{4, "user.contact.email", "new@example.org", true, false, false, cb, "account"},
		{1, "user.contact.email", "old@example.org", false, false, false, cb, "account"},
		{6, "user.contact.phone_number", "", false, false, true, cs, "account"},
		{5, "user.contact.phone_number", "+44 117 496 0000", false, false, false, cs, "account"},
	}
	if g := list(r.Provided); !reflect.DeepEqual(g, wantProvided) {
		t.Errorf("provided\n%+v\nwant\n%+v", g, wantProvided)
	}
	wantCurrent := map[string]string{"user.authorization.credentials": "", "user.contact.email": "new@example.org", "user.contact.address.postal_code": "BS1 4DL",
		"user.device.ip_address": "192.0.2.1", "user.name": "Ada"}
	gotCurrent := map[string]string{}
	for _, d := range r.Data {
		if d.Current {
			gotCurrent[d.Category] = d.Value
		}
		if d.Value == hash {
			t.Errorf("the data hold the password hash of sequence %d", d.Sequence)
		}
	}
	if !reflect.DeepEqual(gotCurrent, wantCurrent) {
		t.Errorf("current values %v, want %v (no phone: the newest is erased)", gotCurrent, wantCurrent)
	}
}
