package console

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestSubjectPageShowsUses: the subject page lists the uses of the
// subject's data next to its collections: activity, purposes, basis, how
// many, when, and the profiling and automated decision.
func TestSubjectPageShowsUses(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := &subjectData{Ref: "u_1", Axis: "occurred", At: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), State: &apiv1.SubjectState{
		Tenant: "acme", SubjectRef: "u_1", Events: 3,
		Uses: []*apiv1.Use{{ActivityId: "fraud-and-claims", Purposes: []string{"essential.fraud_detection"}, Categories: []string{"user.unique_id"},
			LegalBases: []eventsv1.LegalBasis{eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS}, Count: 2,
			First: timestamppb.New(time.Date(2025, 1, 9, 9, 0, 0, 0, time.UTC)), Last: timestamppb.New(time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)),
			Profiling: true, AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT, EventId: "ev-5"}},
	}}
	var b bytes.Buffer
	if err := pages["subject"].ExecuteTemplate(&b, "layout.html", view{Title: "Subject u_1", Nav: "subjects", Data: d}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, w := range []string{"<h3>Uses</h3>", "<td>fraud-and-claims</td>", "essential.fraud_detection", basisName(eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS),
		"<td>2</td>", `profiling; <span title="AUTOMATED_DECISION_SIGNIFICANT_EFFECT">automated decisions with legal or similarly significant effects (Art. 22 GDPR)</span>`,
		`<span title="user.unique_id">Unique identifier</span>`} {
		if !strings.Contains(page, w) {
			t.Errorf("the page does not show %q", w)
		}
	}
}

// TestRecordPageShowsProfilingAndArt10: the record of processing shows an
// activity's declared profiling, automated decisions and Art. 10 basis;
// an activity declaring none shows none of them.
func TestRecordPageShowsProfilingAndArt10(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := &recordData{Axis: "occurred", R: &apiv1.GetRecordOfProcessingResponse{Activities: []*eventsv1.ProcessingActivity{
		{ActivityId: "fraud", Name: "Fraud checks", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Purposes: []string{"essential.fraud_detection"}, DataSubjects: []string{"customer"},
			Profiling: true, AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT},
		{ActivityId: "vetting", Name: "Vetting", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
			CriminalDataBasis: eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_AUTHORISED_BY_LAW},
		{ActivityId: "plain", Name: "Plain", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT},
	}}}
	var b bytes.Buffer
	if err := pages["record"].ExecuteTemplate(&b, "layout.html", view{Title: "Record", Nav: "record", Data: d}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, w := range []string{
		`(fraud)</span><br>profiling<br><span title="AUTOMATED_DECISION_SIGNIFICANT_EFFECT">automated decisions with legal or similarly significant effects (Art. 22 GDPR)</span></td>`,
		`; <span title="CRIMINAL_DATA_BASIS_AUTHORISED_BY_LAW">authorised by Union or Member State law (Art. 10 GDPR)</span></td>`,
		"(plain)</span></td>",
		// Labels, with the key or enum name in the title, never the raw name alone.
		`<span title="LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS">legitimate interests of the controller or a third party (Art. 6(1)(f) GDPR)</span>`,
		`<span title="essential.fraud_detection">Fraud detection</span>`, `<span title="customer">Customer</span>`,
	} {
		if !strings.Contains(page, w) {
			t.Errorf("the page does not show %q", w)
		}
	}
	for _, raw := range []string{">LEGAL_BASIS_", ">essential.fraud_detection<", ">AUTOMATED_DECISION_"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page shows a raw key or enum name (%s)", raw)
		}
	}
}

// TestRecordPageShowsLIAAndTransfers: the record page shows an activity's
// legitimate interest assessment and a recipient's transfer mechanism
// and Art. 49(1) derogation, not only the JSON (issue 18); a recipient in
// the EEA shows none.
func TestRecordPageShowsLIAAndTransfers(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := &recordData{Axis: "occurred", R: &apiv1.GetRecordOfProcessingResponse{Activities: []*eventsv1.ProcessingActivity{
		{ActivityId: "fraud", Name: "Fraud checks", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS, LegitimateInterestAssessmentRef: "LIA-7",
			Recipients: []*eventsv1.Recipient{
				{Id: "scorer", Name: "Scorer Inc", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR, Country: "US",
					TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49, Art49Derogation: eventsv1.Art49Derogation_ART49_DEROGATION_LEGAL_CLAIMS},
				{Id: "bank", Name: "Bank", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER, Country: "IE",
					TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
			}},
	}}}
	var b bytes.Buffer
	if err := pages["record"].ExecuteTemplate(&b, "layout.html", view{Title: "Record", Nav: "record", Data: d}); err != nil {
		t.Fatal(err)
	}
	// The words come from the labels, each in a span whose title is the
	// enum's name: compare the text.
	page := regexp.MustCompile(`</?span[^>]*>`).ReplaceAllString(b.String(), "")
	for _, w := range []string{"<br>assessment: LIA-7</td>",
		"Scorer Inc (processor, US; an exception for a specific situation (Art. 49 GDPR), legal claims (Art. 49(1)(e) GDPR))",
		"Bank (controller, IE)"} {
		if !strings.Contains(page, w) {
			t.Errorf("the page does not show %q", w)
		}
	}
}
