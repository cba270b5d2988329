package receipt_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/docketledger/docket/services/internal/testkit/golden"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The fixture's events worth naming (sequence numbers, 1-based).
const (
	givenEN     = 7  // s-1 consents to the newsletter by a ticked checkbox, notice "privacy" 3 (English)
	withdrawnEN = 8  // s-1 withdraws; postwave-mail (the processor) records it
	givenDE     = 9  // s-2 consents in the app's settings, notice "datenschutz" 1 (German)
	withdrawnDE = 10 // s-2 withdraws in the app
	child       = 11 // s-3, a child: g-1 authorises the consent (Art. 8), German notice
	art9        = 12 // s-4 consents to reminders about their health (Art. 9(2)(a)), English notice
	otherTenant = 13 // tenant beta, which declared no controller profile
	incomplete  = 15 // tenant gamma, whose profile has no phone and no address
)

func at(month time.Month, d, hour int) *timestamppb.Timestamp {
	return timestamppb.New(time.Date(2026, month, d, hour, 0, 0, 0, time.UTC))
}

// fixture is the receipts' ledger (tenant acme unless said). By hand:
//
//   - the profile as of every consent is the first (Acme GmbH, Berlin, DE);
//     the second (event 14, 1 May) comes after them all and must not show;
//   - the newsletter purpose has two activities: "Newsletter" on consent
//     (30 days from collection; Mailer Ltd, a processor in IE, and Partner
//     Media GmbH, a controller in AT) and "Newsletter insights" on
//     legitimate interests (365 days after objection or end of contract):
//     a receipt lists the first only, with its retention, naming Partner
//     Media GmbH and not Mailer Ltd; its storage locations are DE (the
//     member state), AT and IE;
//   - "Health reminders" runs on explicit consent to special categories
//     (Art. 9(2)(a)): lawful basis eu-gdpr:A9-2-a; s-4's consent expires
//     on 13 January 2027, 365 days after 13 January 2026 12:00;
//   - the last two events are not in the signed checkpoint.
func fixture() []*eventsv1.Event {
	mailer := &eventsv1.Recipient{Id: "mailer", Name: "Mailer Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	partner := &eventsv1.Recipient{Id: "partner", Name: "Partner Media GmbH", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER,
		Country: "AT", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	const newsletter, health = "marketing.communications.email", "personalize.content"
	en, de := sha256.Sum256([]byte("privacy notice 3")), sha256.Sum256([]byte("Datenschutzhinweis 1"))
	n := 0
	ev := func(tenant, ref string, when *timestamppb.Timestamp, source string, p any) *eventsv1.Event {
		n++
		e := &eventsv1.Event{EventId: ledgertest.EventID(n), Tenant: tenant, SubjectRef: ref, OccurredAt: when, Source: source,
			Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: source}, TaxonomyVersion: "fideslang-3.1"}
		// The payload's interface type is unexported: set it by reflection.
		reflect.ValueOf(e).Elem().FieldByName("Payload").Set(reflect.ValueOf(p))
		return e
	}
	profile := func(name string) any {
		return &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{Profile: &eventsv1.ControllerProfile{
			Name: name, Address: "Beispielstraße 1, 10115 Berlin, Germany", ContactUrl: "https://acme.example/contact",
			MemberState: "DE", Languages: []string{"en"}, ContactEmail: "privacy@acme.example", ContactPhone: "+49 30 1234567",
			DpoEmail: "dpo@acme.example",
		}}}
	}
	activity := func(a *eventsv1.ProcessingActivity) any {
		a.DataSubjects = []string{"customer"}
		return &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: a}}
	}
	consent := func(purpose, notice string, sum [32]byte, m eventsv1.ConsentMethod, c eventsv1.Channel) *eventsv1.ConsentGiven {
		version := "3"
		if notice == "datenschutz" {
			version = "1"
		}
		return &eventsv1.ConsentGiven{Purpose: purpose, NoticeId: notice, NoticeVersion: version, NoticeSha256: sum[:], Method: m, Channel: c}
	}
	given := func(c *eventsv1.ConsentGiven) any {
		return &eventsv1.Event_ConsentGiven{ConsentGiven: c}
	}
	withdrawn := func(m eventsv1.ConsentMethod, c eventsv1.Channel) any {
		return &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{Purpose: newsletter, Method: m, Channel: c}}
	}
	kid := consent(newsletter, "datenschutz", de, eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM, eventsv1.Channel_CHANNEL_PAPER)
	kid.ParentalAuthorization = &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: "signed_form", VerifiedAt: at(1, 12, 10)}
	care := consent(health, "privacy", en, eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, eventsv1.Channel_CHANNEL_WEB)
	care.Categories, care.ExpiresAt = []string{"user.health_and_medical"}, timestamppb.New(time.Date(2027, 1, 13, 12, 0, 0, 0, time.UTC))
	acme := ledgertest.Tenant
	return []*eventsv1.Event{
		ev(acme, "", at(1, 1, 8), "admin", profile("Acme GmbH")),
		ev(acme, "", at(1, 1, 8), "admin", &eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{
			NoticeId: "privacy", Version: "3", Language: "en", TextSha256: en[:], Url: "https://acme.example/privacy/3"}}),
		ev(acme, "", at(1, 1, 8), "admin", &eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{
			NoticeId: "datenschutz", Version: "1", Language: "de", TextSha256: de[:], Url: "https://acme.example/datenschutz/1"}}),
		ev(acme, "", at(1, 1, 9), "crm", activity(&eventsv1.ProcessingActivity{ActivityId: "newsletter", Name: "Newsletter",
			Purposes: []string{newsletter}, DataCategories: []string{"user.contact.email"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			Recipients: []*eventsv1.Recipient{mailer, partner}, KeyGroup: "marketing",
			Retention: &eventsv1.Retention{Days: 30, Trigger: state.RetentionFromCollection, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}})),
		ev(acme, "", at(1, 1, 9), "crm", activity(&eventsv1.ProcessingActivity{ActivityId: "newsletter-insights", Name: "Newsletter insights",
			Purposes: []string{newsletter}, DataCategories: []string{"user.contact.email", "user.behavior"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			LegitimateInterestAssessmentRef: "lia-7", LegitimateInterest: "knowing which topics readers open", KeyGroup: "marketing",
			Retention: &eventsv1.Retention{Days: 365, Trigger: "after objection or end of contract", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}})),
		ev(acme, "", at(1, 1, 9), "crm", activity(&eventsv1.ProcessingActivity{ActivityId: "health-reminders", Name: "Health reminders",
			Purposes: []string{health}, DataCategories: []string{"user.health_and_medical"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT, KeyGroup: "health",
			Retention: &eventsv1.Retention{Days: 180, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}})),
		ev(acme, "s-1", at(1, 10, 9), "web", given(consent(newsletter, "privacy", en, eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, eventsv1.Channel_CHANNEL_WEB))),
		ev(acme, "s-1", at(3, 2, 9), "postwave-mail", withdrawn(eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK, eventsv1.Channel_CHANNEL_EMAIL)),
		ev(acme, "s-2", at(1, 11, 10), "app", given(consent(newsletter, "datenschutz", de, eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS, eventsv1.Channel_CHANNEL_MOBILE_APP))),
		ev(acme, "s-2", at(2, 1, 10), "app", withdrawn(eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS, eventsv1.Channel_CHANNEL_MOBILE_APP)),
		ev(acme, "s-3", at(1, 12, 11), "crm", given(kid)),
		ev(acme, "s-4", at(1, 13, 12), "web", given(care)),
		ev("beta", "s-1", at(1, 14, 9), "web", given(consent(newsletter, "privacy", en, eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, eventsv1.Channel_CHANNEL_WEB))),
		ev("gamma", "", at(1, 1, 8), "admin", &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
			Profile: &eventsv1.ControllerProfile{Name: "Gamma SA", MemberState: "FR", ContactEmail: "privacy@gamma.example"}}}),
		ev("gamma", "s-1", at(1, 14, 9), "web", given(consent(newsletter, "privacy", en, eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, eventsv1.Channel_CHANNEL_WEB))),
		ev(acme, "", at(5, 1, 8), "admin", profile("Acme Europe GmbH")),
		ev(acme, "s-5", at(5, 2, 9), "web", given(consent(newsletter, "privacy", en, eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX, eventsv1.Channel_CHANNEL_WEB))),
	}
}

// start builds the fixture's ledger and a Maker over it.
func start(t *testing.T) (*ledgertest.Ledger, *receipt.Maker) {
	t.Helper()
	l := ledgertest.StartWith(t, fixture())
	m, err := receipt.New(receipt.Config{Reader: l.Store, Keys: l.Keys, Tree: l.Tree, Checkpoints: l.Checkpoints, Signer: l.Signer, PublicKey: l.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return l, m
}

// cases are the golden receipts: both forms of each consent given; the
// 27560 form only of a withdrawal (Kantara CR v1.1 records consent given).
var cases = []struct {
	file string
	seq  int
	form string
}{
	{"given-en-27560.json", givenEN, receipt.FormISO27560},
	{"given-en-kantara.json", givenEN, receipt.FormKantara},
	{"given-de-27560.json", givenDE, receipt.FormISO27560},
	{"given-de-kantara.json", givenDE, receipt.FormKantara},
	{"withdrawn-en-27560.json", withdrawnEN, receipt.FormISO27560},
	{"withdrawn-de-27560.json", withdrawnDE, receipt.FormISO27560},
	{"child-de-27560.json", child, receipt.FormISO27560},
	{"child-de-kantara.json", child, receipt.FormKantara},
	{"art9-en-27560.json", art9, receipt.FormISO27560},
	{"art9-en-kantara.json", art9, receipt.FormKantara},
}

// TestGolden makes each case's receipt and compares it, byte for byte,
// with its golden file; -update rewrites them. Each verifies with the
// log's public key.
func TestGolden(t *testing.T) {
	l, m := start(t)
	verifier, err := checkpoint.NewVerifier(l.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			id := ledgertest.EventID(tc.seq)
			body, err := m.Make(t.Context(), ledgertest.Tenant, id, tc.form)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tc.file), body, *update)
			v, err := receipt.Verify(body, verifier)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Form != tc.form || v.EventID != id || v.Sequence != uint64(tc.seq) {
				t.Errorf("verified form %s, event %s at %d; want %s, %s at %d", v.Form, v.EventID, v.Sequence, tc.form, id, tc.seq)
			}
		})
	}
}

// receiptOf returns the receipt object of a made receipt file.
func receiptOf(t *testing.T, m *receipt.Maker, seq int, form string) map[string]any {
	t.Helper()
	body, err := m.Make(t.Context(), ledgertest.Tenant, ledgertest.EventID(seq), form)
	if err != nil {
		t.Fatalf("receipt of event %d (%s): %v", seq, form, err)
	}
	var f struct{ Receipt map[string]any }
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	return f.Receipt
}

// get follows a dotted path with [n] indexes ("a.b[0].c") through v.
func get(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		name, idx, indexed := strings.Cut(part, "[")
		if name != "" {
			m, _ := v.(map[string]any)
			v = m[name]
		}
		if indexed {
			l, _ := v.([]any)
			i := int(idx[0] - '0')
			if i >= len(l) {
				return nil
			}
			v = l[i]
		}
	}
	return v
}

// TestRequiredFields checks every 27560 receipt against the DPV profile's
// mandatory fields, vendored in testdata/dpv-27560-required.json (its
// source is named there): each is present and not empty.
func TestRequiredFields(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "dpv-27560-required.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Source   string
		Required map[string][]string
	}
	if err := json.Unmarshal(data, &spec); err != nil || spec.Source == "" || len(spec.Required) == 0 {
		t.Fatalf("the vendored list: %v", err)
	}
	_, m := start(t)
	for _, tc := range cases {
		if tc.form != receipt.FormISO27560 {
			continue
		}
		r := receiptOf(t, m, tc.seq, tc.form)
		for where, fields := range spec.Required {
			for _, obj := range objects(r, where) {
				for _, f := range fields {
					if empty(obj[f]) {
						t.Errorf("%s: %s%s is missing or empty", tc.file, prefix(where), f)
					}
				}
			}
		}
	}
}

// objects returns the objects a path of the required list names: "" the
// receipt, "a" an object, "a[]" each element of a list, nested.
func objects(r map[string]any, path string) []map[string]any {
	out := []map[string]any{r}
	if path == "" {
		return out
	}
	for _, part := range strings.Split(path, ".") {
		name, list := strings.CutSuffix(part, "[]")
		var next []map[string]any
		for _, o := range out {
			if list {
				l, _ := o[name].([]any)
				for _, e := range l {
					if m, ok := e.(map[string]any); ok {
						next = append(next, m)
					}
				}
				if len(l) == 0 {
					next = append(next, map[string]any{}) // an empty list still needs its fields
				}
			} else {
				m, _ := o[name].(map[string]any)
				next = append(next, m)
			}
		}
		out = next
	}
	return out
}

func prefix(where string) string {
	if where == "" {
		return ""
	}
	return where + "."
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// TestConforms checks, field by field, what the fixture's comment works
// out by hand: each is a gap of receipts on main before issue 18.
func TestConforms(t *testing.T) {
	_, m := start(t)
	for _, tc := range []struct {
		name string
		seq  int
		form string
		want map[string]any // path: value
		not  []string       // substrings the receipt must not hold
	}{
		{"consent is EXPLICIT whatever the method", givenEN, receipt.FormKantara, map[string]any{
			"services[0].purposes[0].consentType": "EXPLICIT", "jurisdiction": "DE", "language": "en",
			"piiControllers[0].piiController": "Acme GmbH", "piiControllers[0].email": "privacy@acme.example",
			"piiControllers[0].phone": "+49 30 1234567", "piiControllers[0].address": "Beispielstraße 1, 10115 Berlin, Germany",
			"policyUrl": "https://acme.example/privacy/3", "collectionMethod": "ticked checkbox via web",
		}, []string{"IMPLICIT", "Acme Europe"}},
		{"only the consent-based activity, its retention, no processor", givenEN, receipt.FormKantara, map[string]any{
			"services[0].service": "Newsletter", "services[0].purposes[0].thirdPartyName": "Partner Media GmbH",
			"services[0].purposes[0].thirdPartyDisclosure": true, "services[1]": nil,
		}, []string{"Newsletter insights", "P365D", "after objection", "Mailer Ltd"}},
		{"27560 fields, names and identity", givenEN, receipt.FormISO27560, map[string]any{
			"@context.dpv": "https://w3id.org/dpv#", "pii_processing.language": "en",
			"pii_processing.purposes[0].storage_locations":       []any{"AT", "DE", "IE"},
			"pii_processing.purposes[0].retention_period":        "P30D after collection",
			"pii_processing.purposes[0].jurisdiction":            "DE",
			"pii_processing.purposes[0].recipient_third_parties": []any{"Partner Media GmbH"},
			"pii_processing.purposes[1]":                         nil,
			"party_identification[0].party_name":                 "Acme GmbH",
			"party_identification[0].party_type":                 "dpv:Organisation",
			"party_identification[0].party_address":              "Beispielstraße 1, 10115 Berlin, Germany",
			"party_identification[0].party_contact":              "privacy@acme.example",
			"event[0].event_type":                                "dpv:ExpressedConsent",
			"event[0].event_state":                               "dpv:ConsentGiven",
			"event[0].validity_duration":                         "until withdrawn",
		}, []string{`"type"`, `"state"`, "Mailer Ltd", `"party_name":"acme"`, `"EU"`}},
		{"withdrawal: the subject, with the notice", withdrawnEN, receipt.FormISO27560, map[string]any{
			"event[0].entity_id": "s-1", "event[0].event_by": "dpv:DataSubject", "event[0].event_state": "dpv:ConsentWithdrawn",
			"pii_processing.privacy_notice": "privacy version 3", "pii_processing.privacy_notice_url": "https://acme.example/privacy/3",
			"docket.recorded_by": "postwave-mail", "pii_processing.purposes[0].collection_method": []any{"CHANNEL_WEB"},
		}, nil},
		{"a child's consent names the guardian, in German", child, receipt.FormISO27560, map[string]any{
			"event[0].entity_id": "g-1", "event[0].guardian_ref": "g-1", "event[0].event_by": "dpv:GuardianOfDataSubject",
			"record.pii_principal_id": "s-3", "pii_processing.language": "de", "event[0].validity_duration": "bis zum Widerruf",
			"event[0].event_type": "dpv:ExplicitlyExpressedConsent",
		}, []string{"withdraw at any time"}},
		{"Art. 9(2)(a)", art9, receipt.FormISO27560, map[string]any{
			"pii_processing.purposes[0].lawful_basis": "eu-gdpr:A9-2-a", "event[0].event_type": "dpv:ExplicitlyExpressedConsent",
			"pii_processing.purposes[0].pii_information[0].pii_type_sensitive": true, "event[0].validity_duration": "P365D",
			"pii_processing.purposes[0].retention_period": "P180D after relationship ended",
		}, []string{"A6-1-a"}},
		{"Art. 9(2)(a), Kantara", art9, receipt.FormKantara, map[string]any{
			"sensitive": true, "spiCat": []any{"user.health_and_medical"},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := receiptOf(t, m, tc.seq, tc.form)
			for path, want := range tc.want {
				got := get(r, path)
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Errorf("%s = %s, want %s", path, g, w)
				}
			}
			b, _ := json.Marshal(r)
			for _, s := range tc.not {
				if strings.Contains(string(b), s) {
					t.Errorf("the receipt holds %q: %s", s, b)
				}
			}
		})
	}
}

// TestRefused: a tenant without a controller profile gets no receipt,
// nor one whose profile lacks what the receipt names (the error says
// what), and Kantara records no withdrawal.
func TestRefused(t *testing.T) {
	_, m := start(t)
	if _, err := m.Make(t.Context(), "beta", ledgertest.EventID(otherTenant), receipt.FormISO27560); !errors.Is(err, receipt.ErrNoController) {
		t.Errorf("no profile: %v, want ErrNoController", err)
	}
	for form, want := range map[string]string{
		receipt.FormISO27560: "the receipt needs the profile's address",
		receipt.FormKantara:  "the receipt needs the profile's address, contact_phone",
	} {
		_, err := m.Make(t.Context(), "gamma", ledgertest.EventID(incomplete), form)
		if !errors.Is(err, receipt.ErrIncompleteProfile) || !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("%s of an incomplete profile: %v, want ErrIncompleteProfile naming %q", form, err, want)
		}
	}
	if _, err := m.Make(t.Context(), ledgertest.Tenant, ledgertest.EventID(withdrawnEN), receipt.FormKantara); !errors.Is(err, receipt.ErrWithdrawal) {
		t.Errorf("kantara withdrawal: %v, want ErrWithdrawal", err)
	}
}

// TestVerifyLegacy: receipts given out before docket receipt v2 (the
// golden files of then, made from ledgertest's ledger and signed with its
// fixed key) still verify.
func TestVerifyLegacy(t *testing.T) {
	l, _ := start(t) // the same fixed log key as ledgertest.Start
	verifier, err := checkpoint.NewVerifier(l.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for file, form := range map[string]string{"legacy-v1-27560.json": receipt.FormISO27560, "legacy-v1-kantara.json": receipt.FormKantara} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		v, err := receipt.Verify(data, verifier)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if v.Form != form || v.Sequence != ledgertest.ConsentGiven {
			t.Errorf("%s: verified as %s at %d, want %s at %d", file, v.Form, v.Sequence, form, ledgertest.ConsentGiven)
		}
	}
}

// TestDemo makes both receipts of the demo's first newsletter-style
// consent (a consent-based activity of the demo catalogue): they name
// Harbourline Backup Ltd of its ControllerProfile — in Dublin, Irish, with
// the privacy mailbox and the +353 phone sealed under the tenant key and
// opened for the receipt — and call the consent EXPLICIT.
func TestDemo(t *testing.T) {
	ds, err := demo.Generate(demo.Config{Subjects: 30, Tenant: ledgertest.Tenant})
	if err != nil {
		t.Fatal(err)
	}
	l := ledgertest.StartWith(t, ds.Events)
	m, err := receipt.New(receipt.Config{Reader: l.Store, Keys: l.Keys, Tree: l.Tree, Checkpoints: l.Checkpoints, Signer: l.Signer, PublicKey: l.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for i, ev := range ds.Events {
		if ev.GetConsentGiven() != nil && i < len(ds.Events)-ledgertest.Unsigned {
			id = ev.GetEventId()
			break
		}
	}
	if id == "" {
		t.Fatal("the demo has no consent given")
	}
	for form, want := range map[string]map[string]any{
		receipt.FormKantara: {"piiControllers[0].piiController": "Harbourline Backup Ltd", "piiControllers[0].email": "privacy@harbourline.example.com",
			"piiControllers[0].phone": "+353 1 555 0142", "jurisdiction": "IE", "services[0].purposes[0].consentType": "EXPLICIT"},
		receipt.FormISO27560: {"party_identification[0].party_name": "Harbourline Backup Ltd", "party_identification[0].party_contact": "privacy@harbourline.example.com",
			"party_identification[0].party_address": "4 Sir John Rogerson's Quay, Dublin 2, Ireland", "pii_processing.purposes[0].jurisdiction": "IE"},
	} {
		body, err := m.Make(t.Context(), ledgertest.Tenant, id, form)
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		var f struct{ Receipt map[string]any }
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		for path, w := range want {
			if got := get(f.Receipt, path); got != w {
				t.Errorf("%s: %s = %v, want %v", form, path, got, w)
			}
		}
		if strings.Contains(string(body), "IMPLICIT") {
			t.Errorf("%s: IMPLICIT consent", form)
		}
	}
}
