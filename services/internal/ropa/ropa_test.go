package ropa_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ropa"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// asOf is the record's date: 1 June 2026, noon UTC.
var asOf = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// record is a record of processing as the API returns it: an Irish
// controller with a joint controller and no representative, its contacts
// already opened; fraud detection on legitimate interests, profiling,
// with an automated decision and a transfer to the United States under
// standard contractual clauses; health data under Art. 9(2)(a) with a
// transfer under an Art. 49(1)(a) derogation; payroll processed for
// another controller (Art. 30(2)); one undeclared key seen.
func record() *apiv1.GetRecordOfProcessingResponse {
	return &apiv1.GetRecordOfProcessingResponse{
		Controller: &eventsv1.ControllerProfile{
			Name: "Harbourline Ltd", Address: "1 Quay Street, Dublin 2, Ireland", ContactUrl: "https://harbourline.example/privacy",
			ContactEmail: "privacy@harbourline.example", ContactPhone: "+353 1 555 0100",
			DpoContactUrl: "https://harbourline.example/dpo", DpoEmail: "dpo@harbourline.example",
			SupervisoryAuthority: "Data Protection Commission", SupervisoryAuthorityUrl: "https://www.dataprotection.ie",
			TimeZone: "Europe/Dublin", MemberState: "IE", Languages: []string{"en", "de"}, DigitalConsentAge: 16,
			JointControllers: []*eventsv1.Party{{Name: "Quayside Loyalty DAC", Country: "IE", ContactUrl: "https://quayside.example/privacy",
				ArrangementUrl: "https://harbourline.example/joint"}},
			SecurityMeasures: []string{"Personal data sealed with AES-256-GCM under per-subject keys", "Role-based API tokens"},
		},
		Activities: []*eventsv1.ProcessingActivity{
			{
				ActivityId: "fraud", Name: "Fraud detection", Purposes: []string{"essential.fraud_detection"},
				DataCategories: []string{"user.financial", "user.device.ip_address"}, DataSubjects: []string{"customer"},
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, LegitimateInterestAssessmentRef: "LIA-2026-03",
				LegitimateInterest: "Preventing payment fraud against us and our customers", Profiling: true,
				AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, AutomatedLogic: "A score over 0.9 blocks the payment",
				Recipients: []*eventsv1.Recipient{
					{Id: "scorer", Name: "Scorer Inc", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR, Country: "US",
						TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES, SafeguardsUrl: "https://harbourline.example/scc"},
					{Id: "bank", Name: "Bank of Ireland", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER, Country: "IE",
						TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
				},
				Retention: &eventsv1.Retention{Days: 365, TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: "fraud",
			},
			{
				ActivityId: "health", Name: "Travel health", Purposes: []string{"essential.service"}, DataCategories: []string{"user.health_and_medical"},
				DataSubjects: []string{"customer"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
				SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT,
				Recipients: []*eventsv1.Recipient{{Id: "clinic", Name: "Clinic SA", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, Country: "CH",
					TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49, Art49Derogation: eventsv1.Art49Derogation_ART49_DEROGATION_EXPLICIT_CONSENT}},
				Retention: &eventsv1.Retention{Days: 30, Trigger: "end of the trip", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED}, KeyGroup: "health",
			},
			{
				ActivityId: "payroll-for-quayside", Name: "Payroll for Quayside", Purposes: []string{"essential.service.payment_processing"},
				DataCategories: []string{"user.financial.bank_account"}, DataSubjects: []string{"employee"},
				LegalBasis:   eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
				ProcessorFor: &eventsv1.Party{Name: "Quayside Loyalty DAC", Address: "2 Quay Street, Dublin 2", ContactUrl: "https://quayside.example/privacy", Country: "IE"},
				Recipients: []*eventsv1.Recipient{{Id: "payroll-cloud", Name: "Payroll Cloud Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR, Country: "GB",
					TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION}},
				Retention: &eventsv1.Retention{Days: 2555, Trigger: "end of employment", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED},
			},
		},
		Drift: []*apiv1.Drift{{Kind: apiv1.ObservedKind_OBSERVED_KIND_RECIPIENT, Key: "adtech", FirstEventId: "ev-9",
			FirstOccurredAt: timestamppb.New(time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC))}},
	}
}

func build(t *testing.T) *ropa.Document {
	t.Helper()
	d, err := ropa.Build("harbourline", asOf, apiv1.TimeAxis_TIME_AXIS_OCCURRED, record())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBuild checks the record's structure by hand: the Art. 30(2)
// activity leaves the controller's record; only recipients outside the
// EEA are transfers (the US scorer and the Swiss clinic, not the Irish
// bank; the British payroll cloud for the processor's record); the
// contacts and measures come from the profile.
func TestBuild(t *testing.T) {
	d := build(t)
	if len(d.Activities) != 2 || d.Activities[0].ID != "fraud" || d.Activities[1].ID != "health" {
		t.Fatalf("activities %+v, want fraud and health", d.Activities)
	}
	if len(d.Processor) != 1 || d.Processor[0].ID != "payroll-for-quayside" || d.Processor[0].For.Name != "Quayside Loyalty DAC" {
		t.Fatalf("processor activities %+v, want payroll for Quayside", d.Processor)
	}
	if got := d.Activities[0].Transfers; len(got) != 1 || got[0].ID != "scorer" || got[0].TransferMechanism != "TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES" {
		t.Errorf("fraud transfers %+v, want the scorer under SCCs", got)
	}
	if got := d.Activities[1].Transfers; len(got) != 1 || got[0].Art49Derogation != "ART49_DEROGATION_EXPLICIT_CONSENT" {
		t.Errorf("health transfers %+v, want the clinic under Art. 49(1)(a)", got)
	}
	if got := d.Processor[0].Transfers; len(got) != 1 || got[0].Country != "GB" {
		t.Errorf("processor transfers %+v, want the British payroll cloud", got)
	}
	if d.Activities[1].SpecialCategoryCondition != "LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT" || d.Activities[0].LegitimateInterestRef != "LIA-2026-03" {
		t.Errorf("Art. 9(2) condition or LIA reference lost: %+v", d.Activities)
	}
	c := d.Controller
	if c == nil || c.ContactEmail != "privacy@harbourline.example" || c.DPOEmail != "dpo@harbourline.example" || !c.EstablishedInUnion() ||
		len(c.JointControllers) != 1 || c.Representative != nil {
		t.Errorf("controller %+v", c)
	}
	if len(d.SecurityMeasures) != 2 || len(d.Drift) != 1 {
		t.Errorf("security measures %v, drift %v", d.SecurityMeasures, d.Drift)
	}
	if _, err := ropa.Build("x", asOf, 0, nil); err == nil {
		t.Error("Build(nil): no error")
	}
}

// TestEveryFormatCarriesTheFacts: data subject categories, Art. 9(2)
// conditions, LIA references and transfer mechanisms appear in HTML and
// CSV in the reader's language (package labels' words) and in JSON as
// keys, not only in JSON.
func TestEveryFormatCarriesTheFacts(t *testing.T) {
	d := build(t)
	common := []string{"LIA-2026-03", "Quayside Loyalty DAC", "privacy@harbourline.example", "dpo@harbourline.example", "AES-256-GCM", "A score over 0.9"}
	en := []string{"Customer", "Employee", "Art. 9(2)(a)", "standard contractual clauses (Art. 46(2)(c)", "Art. 49(1)(a)", "Fraud detection"}
	de := []string{"Kundin oder Kunde", "Beschäftigte", "Art. 9 Abs. 2 lit. a", "Standardvertragsklauseln", "Art. 49 Abs. 1 lit. a", "Betrugserkennung"}
	keys := []string{"customer", "employee", "LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT", "TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES", "ART49_DEROGATION_EXPLICIT_CONSENT"}
	for _, f := range forms {
		want := map[string][]string{"html en": en, "html de": de, "csv": append(en, keys...), "csv de": append(de, keys...), "json": keys}[f.name]
		out := render(t, d, f)
		for _, w := range append(want, common...) {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q", f.name, w)
			}
		}
	}
}

type form struct{ name, file string }

var forms = []form{{"html en", "ropa.en.html"}, {"html de", "ropa.de.html"}, {"csv", "ropa.csv"}, {"csv de", "ropa.de.csv"}, {"json", "ropa.json"}}

func render(t *testing.T, d *ropa.Document, f form) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch f.name {
	case "html en":
		err = ropa.HTML(&b, d, "en")
	case "html de":
		err = ropa.HTML(&b, d, "de")
	case "csv":
		err = ropa.CSV(&b, d, "en")
	case "csv de":
		err = ropa.CSV(&b, d, "de")
	case "json":
		var raw bytes.Buffer
		if err = ropa.JSON(&raw, d); err == nil {
			err = json.Indent(&b, raw.Bytes(), "", "  ")
		}
	}
	if err != nil {
		t.Fatalf("%s: %v", f.name, err)
	}
	return b.String()
}

// TestGolden compares every form with testdata/ (-update rewrites).
func TestGolden(t *testing.T) {
	d := build(t)
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			got := render(t, d, f)
			path := filepath.Join("testdata", f.file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", f.name, path, got)
			}
		})
	}
}

func TestCheckLang(t *testing.T) {
	for _, l := range []string{"en", "de"} {
		if err := ropa.CheckLang(l); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
	if err := ropa.CheckLang("fr"); err == nil || !strings.Contains(err.Error(), "en, de") {
		t.Errorf("fr: %v", err)
	}
}

// TestPDF: the record prints to PDF in both languages (the German title
// in Windows-1252, as fpdf's core fonts take it), with the facts the
// other forms carry (the keys, lower case, beside their words), and the
// same record gives the same bytes.
func TestPDF(t *testing.T) {
	d := build(t)
	for lang, title := range map[string]string{"en": "Record of processing activities", "de": "Verzeichnis von Verarbeitungst\xe4tigkeiten"} {
		var a, b bytes.Buffer
		if err := ropa.PDF(&a, d, lang); err != nil {
			t.Fatal(err)
		}
		if err := ropa.PDF(&b, d, lang); err != nil {
			t.Fatal(err)
		}
		out := a.String()
		if !strings.HasPrefix(out, "%PDF-") || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: not a PDF, or not the same twice", lang)
		}
		for _, want := range []string{title, "Harbourline Ltd", "customer", "employee", "Art. 9", "LIA-2026-03", "Art. 46", "Art. 49",
			"dpo@harbourline.example", "AES-256-GCM", "Quayside Loyalty DAC"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the PDF lacks %q", lang, want)
			}
		}
	}
}

// TestHTMLStyleIsStyle: the page's stylesheet is Style byte for byte, so
// that a Content-Security-Policy can allow it by its hash (the console
// does).
func TestHTMLStyleIsStyle(t *testing.T) {
	var b bytes.Buffer
	if err := ropa.HTML(&b, build(t), "en"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<style>"+ropa.Style+"</style>") || !strings.Contains(ropa.Style, "@media print") {
		t.Error("the page's stylesheet is not ropa.Style, or has no print rules")
	}
}
