// Package ledgertest builds a small, fixed ledger of one data subject for
// the golden tests of the documents docketd gives out (the Art. 15/20
// export, the consent receipts): every byte of it is the same on every
// run. The parts are the real ones — the SDK's Emitter validates and seals
// the events (fixed ids, times and keys; crypto/rand made deterministic
// with testing/cryptotest), the projector's Build folds them into a SQLite
// read-model store with fixed recorded_at times, the Merkle tree and a
// checkpoint signed with a fixed key are as the notary makes them, on the
// checkpoint stream of an in-process NATS server — only assembled without
// a running docketd, whose clocks could not be fixed.
package ledgertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/merkle"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/sqlite"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The ledger's fixed names.
const (
	Tenant  = "acme"
	Subject = "s-1"
	// Origin names the log in its checkpoint and its key.
	Origin = "ledger.acme.example/docket"
	// Seed is the seed of the deterministic crypto/rand: data keys and
	// GCM nonces.
	Seed = 16
)

// Now is the clock of everything the tests build: after every event of
// the ledger, before the confidential disclosure may be told.
var Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// RecordedBase is when the ledger stored event 1; event n was stored n
// minutes later.
var RecordedBase = time.Date(2026, 3, 20, 8, 0, 0, 0, time.UTC)

// Ledger is the fixed ledger, read-modelled, proven and signed.
type Ledger struct {
	Store       model.Store
	Keys        *keys.Keyring
	Tree        *merkle.Tree
	JS          jetstream.JetStream
	Checkpoints jetstream.Stream
	Signer      note.Signer
	PublicKey   string // the log's verifier key
	// Events are as stored (values sealed): Events[i] at sequence i+1.
	Events []*eventsv1.Event
	// Emitter appends to the events stream of the same NATS server, as
	// docketd records its own events.
	Emitter *events.Emitter
}

// EventID is the fixed id of the nth event (1-based) of the ledger: a
// version 7 UUID of 1 January 2026 whose random bits are n.
func EventID(n int) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())<<16|0x7000)
	binary.BigEndian.PutUint64(u[8:], 0x8000000000000000|uint64(n))
	return u.String()
}

// Event numbers worth naming.
const (
	ConsentGiven = 4  // the newsletter consent: the receipts' event
	Withheld     = 9  // the disclosure still confidential (Art. 23)
	Shredded     = 17 // the marketing key group's key destroyed
	// Unsigned is how many of the last events the checkpoint does not
	// cover yet.
	Unsigned = 2
)

// Start builds the ledger for the test. It makes crypto/rand
// deterministic for the rest of t (testing/cryptotest), so t and its
// ancestors may not be parallel.
func Start(t *testing.T) *Ledger {
	t.Helper()
	return StartWith(t, ledger())
}

// StartAccess builds the fixed ledger followed by the events of
// accessEvents (a controller profile, an account with a password, fraud
// checks on legitimate interests with an automated decision, data from a
// third party, a transfer to the United States): what the Art. 15 report
// must tell, or never show. Start's ledger, and the documents built from
// it, stay as they are.
func StartAccess(t *testing.T) *Ledger {
	t.Helper()
	return StartWith(t, append(ledger(), accessEvents()...))
}

// StartAfter builds the fixed ledger with extra events after it:
// extra[i] at sequence 21+i, sealed like the rest; an extra event with no
// event id gets EventID(21+i).
func StartAfter(t *testing.T, extra ...*eventsv1.Event) *Ledger {
	t.Helper()
	evs := ledger()
	for _, e := range extra {
		if e.GetEventId() == "" {
			e.EventId = EventID(len(evs) + 1)
		}
		evs = append(evs, e)
	}
	return StartWith(t, evs)
}

// StartWith builds a ledger of evs (in stream order, sequence 1 first;
// values in plaintext, sealed here) the way Start builds the fixed one:
// the checkpoint leaves the last Unsigned events out.
func StartWith(t *testing.T, evs []*eventsv1.Event) *Ledger {
	t.Helper()
	ctx := context.Background()
	_, js := natstest.Connect(t, natstest.Start(t))
	if _, err := events.EnsureStream(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	cps, err := notary.EnsureCheckpointStream(ctx, js, notary.CheckpointStreamConfig{})
	if err != nil {
		t.Fatal(err)
	}

	// From here on crypto/rand is a fixed stream: the data keys and the
	// nonces of the sealed values are the same on every run.
	cryptotest.SetGlobalRandom(t, Seed)
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{0x4b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr, Now: func() time.Time { return Now }})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := em.Encode(ctx, evs...)
	if err != nil {
		t.Fatalf("encode the ledger: %v", err)
	}
	// The erasure the ledger records: the marketing key is destroyed.
	if err := kr.Shred(ctx, Tenant, Subject, "marketing"); err != nil {
		t.Fatal(err)
	}

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "readmodels.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	tree, err := merkle.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tree.Close() })
	recs := make([]source.Record, len(msgs))
	stored := make([]*eventsv1.Event, len(msgs))
	for i, m := range msgs {
		seq := uint64(i + 1)
		recs[i], err = source.Decode(seq, RecordedBase.Add(time.Duration(seq)*time.Minute), m.Subject, m.Header, m.Data)
		if err != nil {
			t.Fatalf("event %d: %v", seq, err)
		}
		stored[i] = recs[i].Event
		if err := tree.Append([]tlog.Hash{checkpoint.LeafHash(m.Data)}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := projector.Build(ctx, store, state.NewCatalogue(), nil, 0, recs)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}

	// The notary's checkpoint, signed with a fixed key: it lags the tree
	// by Unsigned events, as it does between two signings.
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{0x5e}, 32)), Origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	size := tree.Size() - Unsigned
	root, err := tree.Root(size)
	if err != nil {
		t.Fatal(err)
	}
	c := checkpoint.Checkpoint{Origin: Origin, Size: size, Root: root}
	signed, err := checkpoint.Sign(c, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := notary.Publish(ctx, js, c, signed); err != nil {
		t.Fatal(err)
	}
	return &Ledger{Store: store, Keys: kr, Tree: tree, JS: js, Checkpoints: cps, Signer: signer, PublicKey: vkey,
		Events: stored, Emitter: em}
}

// Record appends ev to the events stream, as docketd records its own
// events.
func (l *Ledger) Record(ctx context.Context, ev *eventsv1.Event) error {
	_, err := l.Emitter.Append(ctx, ev)
	return err
}

// The catalogue's keys.
const (
	newsletter        = "newsletter"
	billing           = "billing"
	purposeNewsletter = "marketing.communications.email"
	purposePayment    = "essential.service.payment_processing"
	purposeLegal      = "essential.legal_obligation"
	categoryEmail     = "user.contact.email"
	categoryName      = "user.name"
	categoryBank      = "user.financial.bank_account"
)

func day(month time.Month, d, hour int) time.Time {
	return time.Date(2026, month, d, hour, 0, 0, 0, time.UTC)
}

func value(category, group, plaintext string) *eventsv1.DataValue {
	return &eventsv1.DataValue{Category: category, KeyGroup: group, Value: &eventsv1.DataValue_Plaintext{Plaintext: plaintext}}
}

// ledger is the fixed ledger, in stream order (sequence 1 first): one
// subject's life from collection to erasure.
//
//	1 activity newsletter declared (consent; Mailer Ltd; 30 days from collection; key group marketing)
//	2 activity billing declared (contract; Tax Office; 3650 days after end of contract; key group tax)
//	3 s-1 DataCollected newsletter: email (marketing)
//	4 s-1 ConsentGiven newsletter (notice privacy v3, double opt-in, web)
//	5 s-1 DataCollected billing: name, bank account (tax)
//	6 s-1 DisclosureMade to Mailer Ltd: email
//	7 s-1 DataRectified: email, with a reason
//	8 s-1 DisclosureMade to Tax Office: bank account, legal obligation, instrument AO-147
//	9 s-1 DisclosureMade to the police: name, confidential until 2027 (Art. 23)
//	10 s-1 RightsRequestReceived req-1 access
//	11 s-1 ConsentWithdrawn newsletter
//	12 s-1 ObjectionRecorded newsletter, with grounds
//	13 s-1 RestrictionApplied r-1 payment processing, with a reason
//	14 s-1 RestrictionLifted r-1
//	15 s-1 RightsRequestReceived req-2 erasure
//	16 s-1 ErasureExecuted req-2 by newsletter-db
//	17 s-1 SubjectKeyShredded marketing (docketd)
//	18 s-1 RecipientNotificationDue req-2 Mailer Ltd (docketd)
//	19 s-1 RecipientNotified req-2 Mailer Ltd
//	20 s-1 RightsRequestFulfilled req-2, with an outcome
func ledger() []*eventsv1.Event {
	mailer := &eventsv1.Recipient{Id: "mailer", Name: "Mailer Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	taxOffice := &eventsv1.Recipient{Id: "tax-office", Name: "Tax Office", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	police := &eventsv1.Recipient{Id: "police", Name: "Landeskriminalamt", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	consent := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT
	contract := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT
	obligation := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION
	notice := sha256.Sum256([]byte("privacy notice, version 3"))

	ev := numbered(0)
	return []*eventsv1.Event{
		ev("", day(1, 1, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: &eventsv1.ProcessingActivity{
				ActivityId: newsletter, Name: "Newsletter", Purposes: []string{purposeNewsletter}, DataCategories: []string{categoryEmail},
				DataSubjects: []string{"customer"}, LegalBasis: consent, Recipients: []*eventsv1.Recipient{mailer},
				Retention: &eventsv1.Retention{Days: 30, Trigger: state.RetentionFromCollection, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: "marketing",
			}}}
		}),
		ev("", day(1, 1, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: &eventsv1.ProcessingActivity{
				ActivityId: billing, Name: "Billing", Purposes: []string{purposePayment, purposeLegal}, DataCategories: []string{categoryName, categoryBank},
				DataSubjects: []string{"customer"}, LegalBasis: contract, Recipients: []*eventsv1.Recipient{taxOffice},
				Retention: &eventsv1.Retention{Days: 3650, Trigger: "end of contract", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}, KeyGroup: "tax",
			}}}
		}),
		ev(Subject, day(1, 10, 9), "web", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: newsletter, Purposes: []string{purposeNewsletter}, Categories: []string{categoryEmail}, LegalBasis: consent,
				Values: []*eventsv1.DataValue{value(categoryEmail, "marketing", "ada@example.org")}, CollectionSource: "data_subject",
				CollectionPoint: "web.newsletter_form",
			}}
		}),
		ev(Subject, day(1, 10, 9).Add(5*time.Minute), "web", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
				Purpose: purposeNewsletter, NoticeId: "privacy", NoticeVersion: "3", NoticeSha256: notice[:],
				Method: eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN, Channel: eventsv1.Channel_CHANNEL_WEB,
				Categories: []string{categoryEmail},
			}}
		}),
		ev(Subject, day(1, 15, 14), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: billing, Purposes: []string{purposePayment}, Categories: []string{categoryName, categoryBank}, LegalBasis: contract,
				Values:           []*eventsv1.DataValue{value(categoryName, "tax", "Ada Lovelace"), value(categoryBank, "tax", "DE89 3704 0044 0532 0130 00")},
				CollectionSource: "data_subject", CollectionPoint: "shop.checkout",
			}}
		}),
		ev(Subject, day(1, 16, 8), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: mailer, Categories: []string{categoryEmail}, Purpose: purposeNewsletter, LegalBasis: consent, ActivityId: newsletter,
			}}
		}),
		ev(Subject, day(2, 2, 10), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
				Categories: []string{categoryEmail}, Values: []*eventsv1.DataValue{value(categoryEmail, "marketing", "ada@lovelace.example")},
				Reason: "the customer corrected a typo in the domain",
			}}
		}),
		ev(Subject, day(2, 3, 11), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: taxOffice, Categories: []string{categoryBank}, Purpose: purposeLegal, LegalBasis: obligation,
				LegalInstrumentRef: "AO-147", ActivityId: billing,
			}}
		}),
		ev(Subject, day(2, 4, 15), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: police, Categories: []string{categoryName}, Purpose: purposeLegal, LegalBasis: obligation,
				LegalInstrumentRef: "order 2026/117", ConfidentialUntil: timestamppb.New(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
			}}
		}),
		ev(Subject, day(3, 1, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId: "req-1", Right: eventsv1.Right_RIGHT_ACCESS, Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		}),
		ev(Subject, day(3, 2, 9), "web", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
				Purpose: purposeNewsletter, Method: eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK, Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		}),
		ev(Subject, day(3, 2, 10), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{
				Purposes: []string{purposeNewsletter}, Grounds: "does not want marketing mail",
			}}
		}),
		ev(Subject, day(3, 3, 10), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{
				RestrictionId: "r-1", Purposes: []string{purposePayment}, Reason: "the customer contests the bank account",
			}}
		}),
		ev(Subject, day(3, 10, 10), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{
				RestrictionId: "r-1", Reason: "bank account confirmed",
			}}
		}),
		ev(Subject, day(3, 11, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
				RequestId: "req-2", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_WEB,
			}}
		}),
		ev(Subject, day(3, 12, 9), "newsletter-db", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{
				RequestId: "req-2", System: "newsletter-db", Categories: []string{categoryEmail}, RecordsErased: 2,
			}}
		}),
		ev(Subject, day(3, 12, 10), events.RecordedBy, func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{
				KeyGroups: []string{"marketing"}, RequestId: "req-2",
			}}
		}),
		ev(Subject, day(3, 12, 10), events.RecordedBy, func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{
				RequestId: "req-2", RecipientId: "mailer", Right: eventsv1.Right_RIGHT_ERASURE, CauseEventId: EventID(Shredded),
				DueAt: timestamppb.New(day(4, 12, 10)),
			}}
		}),
		ev(Subject, day(3, 13, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
				RequestId: "req-2", RecipientId: "mailer", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_EMAIL,
			}}
		}),
		ev(Subject, day(3, 13, 10), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: &eventsv1.RightsRequestFulfilled{
				RequestId: "req-2", Outcome: "newsletter data erased; billing data kept under tax law",
			}}
		}),
	}
}

// numbered returns a maker of the ledger's events, numbered from after+1.
func numbered(after int) func(ref string, at time.Time, source string, p func(*eventsv1.Event)) *eventsv1.Event {
	n := after
	return func(ref string, at time.Time, source string, p func(*eventsv1.Event)) *eventsv1.Event {
		n++
		e := &eventsv1.Event{
			EventId: EventID(n), Tenant: Tenant, SubjectRef: ref, OccurredAt: timestamppb.New(at), Source: source,
			Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: source},
			TaxonomyVersion: "fideslang-3.1",
		}
		p(e)
		return e
	}
}

// Credential is the password hash StartAccess's ledger holds about the
// subject (category user.authorization.password): no export may show it.
const Credential = "argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"

// accessEvents follow ledger()'s 20 events in StartAccess's ledger:
//
//	21 controller profile declared (Acme Handel GmbH, Berlin; languages de, en; its mailbox and the DPO's sealed)
//	22 activity accounts declared (contract; username and password; 365 days after the account ends)
//	23 activity fraud declared (legitimate interests, in words; profiling; automated decisions, with the logic; Riskco Inc, US, SCCs, safeguards URL)
//	24 s-1 DataCollected accounts: username, password hash (account)
//	25 s-1 DataCollected fraud: a credit score from the credit bureau (third party)
//	26 s-1 DataProcessed fraud: profiling, an automated refusal with legal effect, Art. 22(2)(a)
//	27 s-1 DisclosureMade to Riskco Inc: IP address, fraud detection
func accessEvents() []*eventsv1.Event {
	riskco := &eventsv1.Recipient{Id: "riskco", Name: "Riskco Inc", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES,
		SafeguardsUrl: "https://acme.example/privacy/safeguards/riskco"}
	contract := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT
	interests := eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
	ev := numbered(20)
	return []*eventsv1.Event{
		ev("", day(1, 1, 8), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{Profile: &eventsv1.ControllerProfile{
				Name: "Acme Handel GmbH", Address: "Beispielstraße 1, 10115 Berlin, Germany", ContactUrl: "https://acme.example/privacy/contact",
				DpoContactUrl: "https://acme.example/privacy/dpo", SupervisoryAuthority: "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
				SupervisoryAuthorityUrl: "https://www.datenschutz-berlin.de", TimeZone: "Europe/Berlin", MemberState: "DE", Languages: []string{"de", "en"},
				ContactEmail: "privacy@acme.example", DpoEmail: "dpo@acme.example",
			}}}
		}),
		ev("", day(1, 1, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: &eventsv1.ProcessingActivity{
				ActivityId: "accounts", Name: "Customer accounts", Purposes: []string{"essential.service.authentication"},
				DataCategories: []string{"user.account.username", "user.authorization.password"}, DataSubjects: []string{"customer"}, LegalBasis: contract,
				Retention: &eventsv1.Retention{Days: 365, Trigger: "end of the account", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}, KeyGroup: "account",
			}}}
		}),
		ev("", day(1, 1, 9), "crm", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: &eventsv1.ProcessingActivity{
				ActivityId: "fraud", Name: "Fraud checks", Purposes: []string{"essential.fraud_detection"},
				DataCategories: []string{"user.financial", "user.device.ip_address"}, DataSubjects: []string{"customer"}, LegalBasis: interests,
				LegitimateInterestAssessmentRef: "LIA-2026-03", LegitimateInterest: "preventing payment fraud against us and our customers",
				Profiling: true, AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT,
				AutomatedLogic: "a score from the order's amount, the device and the credit bureau's rating; above a threshold the order is refused, and you may ask for a person to review it",
				Recipients:     []*eventsv1.Recipient{riskco},
				Retention:      &eventsv1.Retention{Days: 180, Trigger: state.RetentionFromCollection, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: "fraud",
			}}}
		}),
		ev(Subject, day(1, 15, 13), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: "accounts", Purposes: []string{"essential.service.authentication"}, Categories: []string{"user.account.username", "user.authorization.password"},
				LegalBasis: contract, CollectionSource: "data_subject", CollectionPoint: "shop.sign_up",
				Values: []*eventsv1.DataValue{value("user.account.username", "account", "ada"), value("user.authorization.password", "account", Credential)},
			}}
		}),
		ev(Subject, day(1, 15, 14).Add(2*time.Minute), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
				ActivityId: "fraud", Purposes: []string{"essential.fraud_detection"}, Categories: []string{"user.financial"}, LegalBasis: interests,
				CollectionSource: "third_party:credit-bureau", CollectionPoint: "shop.checkout",
				Values: []*eventsv1.DataValue{value("user.financial", "fraud", "credit rating B")},
			}}
		}),
		ev(Subject, day(1, 15, 14).Add(3*time.Minute), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DataProcessed{DataProcessed: &eventsv1.DataProcessed{
				ActivityId: "fraud", Purposes: []string{"essential.fraud_detection"}, Categories: []string{"user.financial", "user.device.ip_address"},
				LegalBasis: interests, System: "risk-engine", Profiling: true, AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT,
				Art22Exception: eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT,
			}}
		}),
		ev(Subject, day(1, 15, 14).Add(4*time.Minute), "shop", func(e *eventsv1.Event) {
			e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: riskco, Categories: []string{"user.device.ip_address"}, Purpose: "essential.fraud_detection", LegalBasis: interests, ActivityId: "fraud",
			}}
		}),
	}
}
