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

// printRoPA prints the record of processing. As a table it is three
// tables (activities, observed, drift); as csv one table whose first column
// names the section; as json the whole record on one line.
func printRoPA(format string, w io.Writer, r *apiv1.GetRecordOfProcessingResponse) error {
	if format == formatJSON {
		return writeJSONLine(w, r)
	}
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
	if format == formatCSV {
		// One table: section, then the union of the sections' columns.
		header := []string{"section", "activity_id", "name", "purposes", "categories", "legal_basis", "recipients", "retention_days", "retention_trigger", "key_group",
			"kind", "key", "count", "first_seen", "last_seen", "first_event_id"}
		p := newPrinter(format, w, header...)
		blank := func(n int) []string { return make([]string, n) }
		for _, c := range ctl { // the field in kind, its value in key
			if err := p.row(nil, append(append([]string{"controller"}, blank(9)...), c[0], c[1], "", "", "", "")...); err != nil {
				return err
			}
		}
		for _, a := range r.GetActivities() {
			if err := p.row(nil, append(append([]string{"activity"}, actRow(a)...), blank(6)...)...); err != nil {
				return err
			}
		}
		for _, o := range r.GetObserved() {
			if err := p.row(nil, append(append([]string{"observed"}, blank(9)...), obsRow(o)...)...); err != nil {
				return err
			}
		}
		for _, d := range r.GetDrift() {
			row := driftRow(d)
			if err := p.row(nil, append(append([]string{"drift"}, blank(9)...), row[0], row[1], "", row[2], "", row[3])...); err != nil {
				return err
			}
		}
		return p.flush()
	}
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
		sections[len(sections)-3].rows = append(sections[0].rows, actRow(a))
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
	add("dpo_contact_url", p.GetDpoContactUrl())
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
