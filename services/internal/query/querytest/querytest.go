// Package querytest starts a Query API server over a real SQLite read-model
// store seeded with a small, fixed ledger, for the tests of the query
// service and of the docket CLI.
package querytest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/sqlite"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/docketledger/docket/services/internal/query"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Now is the server's clock.
var Now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// RecordedBase is when the ledger stored event 1; event n was stored n
// minutes later.
var RecordedBase = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// Server is a running Query API over the seeded store.
type Server struct {
	URL    string
	Store  model.Store
	Events []*eventsv1.Event // Events[i] has stream sequence i+1
}

// Start seeds a new SQLite store with Ledger() and serves the Query API
// (JSON codec as docketd mounts it) until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Ledger(), Now)
}

// StartWith is Start with another ledger (Events[i] has stream sequence
// i+1) and clock.
func StartWith(t testing.TB, evs []*eventsv1.Event, now time.Time) *Server {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "readmodels.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	recs := make([]source.Record, len(evs))
	for i, ev := range evs {
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		seq := uint64(i + 1)
		recs[i] = source.Record{Sequence: seq, RecordedAt: RecordedBase.Add(time.Duration(seq) * time.Minute), Data: data, Event: ev}
	}
	// Two batches, as the projector would apply them.
	cat := state.NewCatalogue()
	for _, part := range [][2]int{{0, min(6, len(recs))}, {min(6, len(recs)), len(recs)}} {
		if part[0] == part[1] {
			continue
		}
		b, err := projector.Build(ctx, store, cat, nil, uint64(part[0]), recs[part[0]:part[1]])
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := query.New(store, query.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(apiv1connect.NewQueryServiceHandler(svc, connect.WithCodec(ingest.JSONCodec{})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Store: store, Events: evs}
}

// Fixed keys of the ledger.
const (
	Tenant      = "acme"
	OtherTenant = "globex"
	Newsletter  = "newsletter"
	Billing     = "billing"
	Mailer      = "mailer"
	TaxOffice   = "tax-office"
	AdTech      = "adtech"

	PurposeNewsletter = "marketing.communications.email"
	PurposeAds        = "marketing.advertising.third_party.targeted"
	PurposePayment    = "essential.service.payment_processing"
	PurposeLegal      = "essential.legal_obligation"
	CategoryEmail     = "user.contact.email"
	CategoryFinancial = "user.financial"
	CategoryBank      = "user.financial.bank_account"
	CategoryName      = "user.name"
)

// Day is midnight UTC of a day of 2026.
func Day(month time.Month, day int) time.Time {
	return time.Date(2026, month, day, 0, 0, 0, 0, time.UTC)
}

// Ledger is the fixed ledger, in stream order (sequence 1 first):
//
//	1 acme: activity newsletter declared (consent; mailer; 30 days from collection) Jan 1
//	2 acme: activity billing declared (contract; tax-office) Jan 1
//	3 acme/s-1 DataCollected newsletter Jan 10
//	4 acme/s-1 ConsentGiven newsletter Jan 10
//	5 acme/s-1 DisclosureMade to mailer (processor) Jan 11
//	6 acme/s-1 ConsentWithdrawn Feb 1
//	7 acme/s-1 DisclosureMade to mailer Feb 5: after withdrawal
//	8 acme/s-1 DisclosureMade to adtech (third party, undeclared; ads; user.name) Feb 6
//	9 acme/s-1 RightsRequestReceived req-1 access Feb 10: never answered
//	10 acme/s-2 DataCollected billing (user.financial.bank_account) Jan 15
//	11 acme/s-2 DisclosureMade to tax-office (public authority, legal obligation) Jan 20: billing declares contract
//	12 acme/s-2 RightsRequestReceived req-2 erasure Jan 21
//	13 acme/s-2 RightsRequestFulfilled req-2 Jan 25
//	14 globex/g-1 DataCollected Jan 5, age band adult
//	15 globex: ControllerProfileDeclared (Europe/Berlin, DE) Jan 1
//	16 globex/g-1 RightsRequestReceived req-g access Mar 14 23:30 UTC (Mar 15 in Berlin):
//	   due at the end of Apr 15 CEST, 2026-04-15T21:59:59.999999999Z
//	17 globex/g-1 RightsRequestFulfilled req-g Mar 20: no data held
func Ledger() []*eventsv1.Event {
	newsletter := &eventsv1.ProcessingActivity{
		ActivityId: Newsletter, Name: "Newsletter", Purposes: []string{PurposeNewsletter}, DataCategories: []string{CategoryEmail},
		DataSubjects: []string{"customer"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
		Recipients: []*eventsv1.Recipient{{Id: Mailer, Name: "Mailer Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR, Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}},
		Retention:  &eventsv1.Retention{Days: 30, Trigger: state.RetentionFromCollection, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: "marketing",
	}
	billing := &eventsv1.ProcessingActivity{
		ActivityId: Billing, Name: "Billing", Purposes: []string{PurposePayment, PurposeLegal}, DataCategories: []string{CategoryFinancial},
		DataSubjects: []string{"customer"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Recipients: []*eventsv1.Recipient{{Id: TaxOffice, Name: "Tax Office", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY, Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}},
		Retention:  &eventsv1.Retention{Days: 3650, Trigger: "end of contract", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}, KeyGroup: "tax",
	}
	mailer, taxOffice := newsletter.GetRecipients()[0], billing.GetRecipients()[0]
	adtech := &eventsv1.Recipient{Id: AdTech, Name: "AdTech Inc", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES}
	consent := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT

	n := 0
	ev := func(tenant, ref string, at time.Time) *eventsv1.Event {
		n++
		return &eventsv1.Event{
			EventId: uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "querytest/%d", n)).String(),
			Tenant:  tenant, SubjectRef: ref, OccurredAt: timestamppb.New(at), Source: "querytest",
			Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: "job-7"},
			TaxonomyVersion: "fideslang-3.1",
		}
	}
	with := func(e *eventsv1.Event, set func(*eventsv1.Event)) *eventsv1.Event { set(e); return e }
	return []*eventsv1.Event{
		with(ev(Tenant, "", Day(1, 1)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: newsletter}}
		}),
		with(ev(Tenant, "", Day(1, 1)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: billing}}
		}),
		with(ev(Tenant, "s-1", Day(1, 10)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: Newsletter, Purposes: []string{PurposeNewsletter}, Categories: []string{CategoryEmail}, LegalBasis: consent,
				CollectionSource: "data_subject", CollectionPoint: "web.newsletter_form",
			}}
		}),
		with(ev(Tenant, "s-1", Day(1, 10).Add(time.Minute)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
				Purpose: PurposeNewsletter, NoticeId: "privacy", NoticeVersion: "3", Method: eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN, Channel: eventsv1.Channel_CHANNEL_WEB,
			}}
		}),
		with(ev(Tenant, "s-1", Day(1, 11)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: mailer, Categories: []string{CategoryEmail}, Purpose: PurposeNewsletter, LegalBasis: consent, ActivityId: Newsletter,
			}}
		}),
		with(ev(Tenant, "s-1", Day(2, 1)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
				Purpose: PurposeNewsletter, Method: eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK, Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		}),
		with(ev(Tenant, "s-1", Day(2, 5)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: mailer, Categories: []string{CategoryEmail}, Purpose: PurposeNewsletter, LegalBasis: consent, ActivityId: Newsletter,
			}}
		}),
		with(ev(Tenant, "s-1", Day(2, 6)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: adtech, Categories: []string{CategoryEmail, CategoryName}, Purpose: PurposeAds,
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			}}
		}),
		with(ev(Tenant, "s-1", Day(2, 10)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId: "req-1", Right: eventsv1.Right_RIGHT_ACCESS, Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		}),
		with(ev(Tenant, "s-2", Day(1, 15)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: Billing, Purposes: []string{PurposePayment}, Categories: []string{CategoryBank},
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, CollectionSource: "data_subject",
			}}
		}),
		with(ev(Tenant, "s-2", Day(1, 20)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: taxOffice, Categories: []string{CategoryBank}, Purpose: PurposeLegal,
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, LegalInstrumentRef: "AO-147", ActivityId: Billing,
			}}
		}),
		with(ev(Tenant, "s-2", Day(1, 21)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId: "req-2", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_WEB,
			}}
		}),
		with(ev(Tenant, "s-2", Day(1, 25)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{RequestId: "req-2", Outcome: "erased"}}
		}),
		with(ev(OtherTenant, "g-1", Day(1, 5)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				Purposes: []string{PurposeNewsletter}, Categories: []string{CategoryEmail}, LegalBasis: consent, CollectionSource: "data_subject",
				AgeBand: eventsv1.AgeBand_AGE_BAND_ADULT,
			}}
		}),
		with(ev(OtherTenant, "", Day(1, 1)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
				Profile: &eventsv1.ControllerProfile{Name: "Globex GmbH", ContactUrl: "https://globex.example/privacy",
					DpoContactUrl: "https://globex.example/dpo", SupervisoryAuthority: "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
					TimeZone: "Europe/Berlin", MemberState: "DE"},
			}}
		}),
		with(ev(OtherTenant, "g-1", Day(3, 14).Add(23*time.Hour+30*time.Minute)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId: "req-g", Right: eventsv1.Right_RIGHT_ACCESS, Channel: eventsv1.Channel_CHANNEL_WEB,
			}}
		}),
		with(ev(OtherTenant, "g-1", Day(3, 20)), func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{RequestId: "req-g", NoDataHeld: true}}
		}),
	}
}
