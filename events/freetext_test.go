package events_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// StringFieldsOf is every string field reachable from Event, walking the
// descriptors into nested messages (Recipient, Actor, ParentalAuthorization,
// ProcessingActivity, ...).
func stringFieldsOf(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool, out *[]protoreflect.FieldDescriptor) {
	if seen[md.FullName()] || md.FullName() == "google.protobuf.Timestamp" {
		return
	}
	seen[md.FullName()] = true
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		switch {
		case fd.Kind() == protoreflect.StringKind:
			*out = append(*out, fd)
		case fd.Message() != nil:
			stringFieldsOf(fd.Message(), seen, out)
		}
	}
}

// TestStringFieldsClassified fails for a string field of the vocabulary
// that events.StringFields does not classify, so a new field cannot be
// stored unsealed by oversight; and for a free-text field without its
// sealed DataValue sibling.
func TestStringFieldsClassified(t *testing.T) {
	var fields []protoreflect.FieldDescriptor
	stringFieldsOf((&eventsv1.Event{}).ProtoReflect().Descriptor(), map[protoreflect.FullName]bool{}, &fields)
	if len(fields) < 80 {
		t.Fatalf("walked only %d string fields", len(fields))
	}
	found := map[protoreflect.FullName]bool{}
	for _, fd := range fields {
		found[fd.FullName()] = true
		kind, ok := events.StringFields[fd.FullName()]
		if !ok {
			t.Errorf("%s: not in events.StringFields: structured (validated to a shape that cannot hold an email) or free text (sealed)?", fd.FullName())
			continue
		}
		if kind != events.FreeText {
			continue
		}
		sib := fd.ContainingMessage().Fields().ByName(fd.Name() + "_text")
		if sib == nil || sib.Message() == nil || sib.Message().FullName() != "docket.events.v1.DataValue" || sib.IsList() {
			t.Errorf("%s: free text without a DataValue %s_text sibling", fd.FullName(), fd.Name())
		}
	}
	for name := range events.StringFields {
		if !found[name] {
			t.Errorf("events.StringFields names %s, which is no string field of the vocabulary", name)
		}
	}
}

func rectified(reason string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", Tenant: "acme", SubjectRef: "u-1",
		OccurredAt: timestamppb.Now(), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
			Categories: []string{"user.contact.email"}, Reason: reason}},
	}
}

func TestMoveFreeText(t *testing.T) {
	const secret = "asked by jane.doe@example.org"
	tests := []struct {
		name       string
		ev         *eventsv1.Event
		wantErr    string
		wantText   func(*eventsv1.Event) *eventsv1.DataValue
		wantString func(*eventsv1.Event) string
		wantPlain  string
	}{
		{
			name: "reason moved", ev: rectified(secret),
			wantText:   func(ev *eventsv1.Event) *eventsv1.DataValue { return ev.GetDataRectified().GetReasonText() },
			wantString: func(ev *eventsv1.Event) string { return ev.GetDataRectified().GetReason() },
			wantPlain:  secret,
		},
		{
			name: "nested parental authorization",
			ev: &eventsv1.Event{Payload: &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
				ParentalAuthorization: &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: secret}}}},
			wantText: func(ev *eventsv1.Event) *eventsv1.DataValue {
				return ev.GetConsentGiven().GetParentalAuthorization().GetVerificationMethodText()
			},
			wantString: func(ev *eventsv1.Event) string {
				return ev.GetConsentGiven().GetParentalAuthorization().GetVerificationMethod()
			},
			wantPlain: secret,
		},
		{
			name: "retention keyword kept",
			ev: &eventsv1.Event{Payload: &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
				ActivityId: "a", Action: "held: " + secret}}},
			wantText:   func(ev *eventsv1.Event) *eventsv1.DataValue { return ev.GetRetentionExpired().GetActionText() },
			wantString: func(ev *eventsv1.Event) string { return ev.GetRetentionExpired().GetAction() + "|held" },
			wantPlain:  secret,
		},
		{
			name: "both set refused",
			ev: func() *eventsv1.Event {
				ev := rectified(secret)
				ev.GetDataRectified().ReasonText = &eventsv1.DataValue{Category: events.FreeTextCategory, Value: &eventsv1.DataValue_Plaintext{Plaintext: "x"}}
				return ev
			}(),
			wantErr: "data_rectified.reason: is set together with reason_text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := events.MoveFreeText(tt.ev)
			if tt.wantErr != "" {
				var ve *events.ValidationError
				if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("MoveFreeText: %v, want a *ValidationError with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error holds the text: %v", err)
				}
				if err := events.Validate(tt.ev); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dv := tt.wantText(tt.ev)
			if dv.GetPlaintext() != tt.wantPlain || dv.GetCategory() != events.FreeTextCategory {
				t.Fatalf("sibling: %v, want plaintext %q of %s", dv, tt.wantPlain, events.FreeTextCategory)
			}
			if s := tt.wantString(tt.ev); s != "" && s != "held|held" {
				t.Fatalf("string field left as %q", s)
			}
			// Values finds it, so the sealer seals it and CheckSealed refuses it unsealed.
			if err := events.CheckSealed(tt.ev); err == nil || !strings.Contains(err.Error(), "_text") {
				t.Fatalf("CheckSealed: %v, want the _text field refused unsealed", err)
			}
		})
	}
}

// TestValidateFreeTextSibling: a sealed sibling must have the free-text
// category; the structured fields refuse an email.
func TestValidateFreeTextAndStructured(t *testing.T) {
	ev := rectified("")
	ev.GetDataRectified().ReasonText = &eventsv1.DataValue{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: "x"}}
	if err := events.Validate(ev); err == nil || !strings.Contains(err.Error(), "data_rectified.reason_text.category: must be user.content.private") {
		t.Fatalf("Validate: %v", err)
	}
	ev.GetDataRectified().ReasonText.Category = events.FreeTextCategory
	if err := events.Validate(ev); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	const email = "jane.doe@example.org"
	ev.CorrelationId = email
	if err := events.Validate(ev); err == nil || !strings.Contains(err.Error(), "correlation_id") || strings.Contains(err.Error(), email) {
		t.Fatalf("Validate with an email in correlation_id: %v", err)
	}
}

// TestLegacyFreeText: an event stored before the sealed siblings existed
// keeps its words readable (events are forever); a moved one has none.
func TestLegacyFreeText(t *testing.T) {
	old := &eventsv1.Event{Payload: &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
		ParentalAuthorization: &eventsv1.ParentalAuthorization{GuardianRef: "g-1", VerificationMethod: "signed form"}}}}
	got := events.LegacyFreeText(old)
	if len(got) != 1 || got[0].Path != "consent_given.parental_authorization.verification_method" || got[0].Text != "signed form" {
		t.Fatalf("LegacyFreeText: %+v", got)
	}
	if err := events.MoveFreeText(old); err != nil {
		t.Fatal(err)
	}
	if got := events.LegacyFreeText(old); len(got) != 0 {
		t.Fatalf("LegacyFreeText after the move: %+v, want none", got)
	}
}

// TestFreeTextBounds: moved words keep the bound of their string field.
func TestFreeTextBounds(t *testing.T) {
	ev := rectified(strings.Repeat("x", events.MaxStringLen+1))
	if err := events.MoveFreeText(ev); err != nil {
		t.Fatal(err)
	}
	if err := events.Validate(ev); err == nil || !strings.Contains(err.Error(), "data_rectified.reason_text.plaintext: is 1025 bytes long, more than 1024") {
		t.Fatalf("Validate: %v", err)
	}
	ev = rectified(strings.Repeat("x", events.MaxStringLen))
	if err := events.MoveFreeText(ev); err != nil {
		t.Fatal(err)
	}
	if err := events.Validate(ev); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}
