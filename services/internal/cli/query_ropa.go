package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

var (
	recipientKinds  = eventsv1.RecipientKind(0).Descriptor()
	legalBases      = eventsv1.LegalBasis(0).Descriptor()
	requestStatuses = apiv1.RequestStatus(0).Descriptor()
)

func eventsRecipientKind(n protoreflect.EnumNumber) eventsv1.RecipientKind {
	return eventsv1.RecipientKind(n)
}

func eventsLegalBasis(n protoreflect.EnumNumber) eventsv1.LegalBasis { return eventsv1.LegalBasis(n) }

// printRoPA prints the record of processing as three tables (activities,
// observed, drift), after the controller's profile when there is one. The
// document forms (html, csv, json) are package ropa's.
func printRoPA(w io.Writer, r *apiv1.GetRecordOfProcessingResponse) error {
	actHeader := []string{"activity_id", "name", "purposes", "categories", "legal_basis", "recipients", "retention_days", "retention_trigger", "key_group"}
	obsHeader := []string{"kind", "key", "count", "first_seen", "last_seen", "first_event_id"}
	driftHeader := []string{"kind", "key", "first_seen", "first_event_id"}
	actRow := func(a *eventsv1.ProcessingActivity) []string {
		var recips []string
		for _, rc := range a.GetRecipients() {
			recips = append(recips, rc.GetId())
		}
		days := ""
		if a.GetRetention() != nil {
			days = fmt.Sprint(a.GetRetention().GetDays())
		}
		return []string{a.GetActivityId(), a.GetName(), join(a.GetPurposes()), join(a.GetDataCategories()), cellEnum(a.GetLegalBasis()),
			join(recips), days, events.RetentionTrigger(a.GetRetention()), a.GetKeyGroup()}
	}
	obsRow := func(o *apiv1.Observed) []string {
		return []string{cellEnum(o.GetKind()), o.GetKey(), fmt.Sprint(o.GetCount()), cellTime(o.GetFirstOccurredAt()), cellTime(o.GetLastOccurredAt()), o.GetFirstEventId()}
	}
	driftRow := func(d *apiv1.Drift) []string {
		return []string{cellEnum(d.GetKind()), d.GetKey(), cellTime(d.GetFirstOccurredAt()), d.GetFirstEventId()}
	}
	ctl := controllerRows(r.GetController())
	sections := []struct {
		title  string
		header []string
		rows   [][]string
	}{
		{"Controller", []string{"field", "value"}, ctl},
		{fmt.Sprintf("Declared activities (%d)", len(r.GetActivities())), actHeader, nil},
		{fmt.Sprintf("Observed in events (%d)", len(r.GetObserved())), obsHeader, nil},
		{fmt.Sprintf("Drift: observed but not declared (%d)", len(r.GetDrift())), driftHeader, nil},
	}
	if len(ctl) == 0 {
		sections = sections[1:]
	}
	for _, a := range r.GetActivities() {
		sections[len(sections)-3].rows = append(sections[len(sections)-3].rows, actRow(a))
	}
	for _, o := range r.GetObserved() {
		sections[len(sections)-2].rows = append(sections[len(sections)-2].rows, obsRow(o))
	}
	for _, d := range r.GetDrift() {
		sections[len(sections)-1].rows = append(sections[len(sections)-1].rows, driftRow(d))
	}
	for i, s := range sections {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, s.title)
		fmt.Fprintln(w, strings.Repeat("=", len(s.title)))
		p := newPrinter(formatTable, w, s.header...)
		for _, row := range s.rows {
			if err := p.row(nil, row...); err != nil {
				return err
			}
		}
		if err := p.flush(); err != nil {
			return err
		}
	}
	return nil
}

// controllerRows are the fields of the controller's profile (Art.
// 30(1)(a)) that are set, as field and value; none without a profile.
func controllerRows(p *eventsv1.ControllerProfile) [][]string {
	if p == nil {
		return nil
	}
	var out [][]string
	add := func(field, value string) {
		if value != "" {
			out = append(out, []string{field, value})
		}
	}
	add("name", p.GetName())
	add("address", p.GetAddress())
	add("contact_url", p.GetContactUrl())
	add("contact_email", p.GetContactEmail())
	add("contact_phone", p.GetContactPhone())
	add("dpo_contact_url", p.GetDpoContactUrl())
	add("dpo_email", p.GetDpoEmail())
	for _, j := range p.GetJointControllers() {
		add("joint_controller", j.GetName())
	}
	add("representative", p.GetRepresentative().GetName())
	add("supervisory_authority", p.GetSupervisoryAuthority())
	add("supervisory_authority_url", p.GetSupervisoryAuthorityUrl())
	tz := p.GetTimeZone()
	if tz == "" {
		tz = "UTC"
	}
	add("time_zone", tz)
	add("member_state", p.GetMemberState())
	add("languages", join(p.GetLanguages()))
	if a := p.GetDigitalConsentAge(); a != 0 {
		add("digital_consent_age", fmt.Sprint(a))
	}
	return out
}
