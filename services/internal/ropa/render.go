package ropa

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// JSON writes the document on one line, schema docket.ropa.v1.
func JSON(w io.Writer, d *Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// CSVHeader is the CSV form's header: one fact a row.
var CSVHeader = []string{"section", "id", "field", "value", "label"}

// CSV writes the document as one table (RFC 4180) of facts: section
// (controller, activity, processor, security, drift), the activity or
// party it is about, the field, its value (a raw key or enum name where
// there is one) and the value in words in lang.
func CSV(w io.Writer, d *Document, lang string) error {
	l := labelsFor(lang)
	cw := csv.NewWriter(w)
	var err error
	row := func(section, id, field, value, label string) {
		if value == "" || err != nil {
			return
		}
		err = cw.Write([]string{section, id, field, value, label})
	}
	err = cw.Write(CSVHeader)
	row("record", "", "as_of", d.AsOf.Format("2006-01-02T15:04:05Z07:00"), "")
	row("record", "", "axis", d.Axis, "")
	if c := d.Controller; c != nil {
		row("controller", "", "name", c.Name, "")
		row("controller", "", "address", c.Address, "")
		row("controller", "", "contact_url", c.ContactURL, "")
		row("controller", "", "contact_email", c.ContactEmail, "")
		row("controller", "", "contact_phone", c.ContactPhone, "")
		row("controller", "", "dpo_contact_url", c.DPOContactURL, "")
		row("controller", "", "dpo_email", c.DPOEmail, "")
		for _, j := range c.JointControllers {
			partyRows(row, "joint_controller", j)
		}
		if r := c.Representative; r != nil {
			partyRows(row, "representative", *r)
		} else if c.EstablishedInUnion() {
			row("representative", "", "required", "false", l.text("no_representative"))
		}
		row("controller", "", "supervisory_authority", c.SupervisoryAuthority, "")
		row("controller", "", "supervisory_authority_url", c.SupervisoryAuthorityURL, "")
		row("controller", "", "member_state", c.MemberState, "")
		row("controller", "", "time_zone", c.TimeZone, "")
		row("controller", "", "languages", strings.Join(c.Languages, " "), "")
	}
	for _, a := range d.Activities {
		row("activity", a.ID, "name", a.Name, "")
		for _, p := range a.Purposes {
			row("activity", a.ID, "purpose", p, l.key(p))
		}
		row("activity", a.ID, "legal_basis", a.LegalBasis, l.enum(a.LegalBasis))
		row("activity", a.ID, "special_category_condition", a.SpecialCategoryCondition, l.enum(a.SpecialCategoryCondition))
		row("activity", a.ID, "criminal_data_basis", a.CriminalDataBasis, l.enum(a.CriminalDataBasis))
		row("activity", a.ID, "legitimate_interest_assessment_ref", a.LegitimateInterestRef, "")
		row("activity", a.ID, "legitimate_interest", a.LegitimateInterest, "")
		for _, s := range a.DataSubjects {
			row("activity", a.ID, "data_subject", s, l.key(s))
		}
		for _, c := range a.DataCategories {
			row("activity", a.ID, "data_category", c, l.key(c))
		}
		for _, r := range a.Recipients {
			row("activity", a.ID, "recipient", r.ID, recipientWords(l, r))
		}
		for _, r := range a.Transfers {
			transferRows(row, l, "activity", a.ID, r)
		}
		row("activity", a.ID, "retention", retentionValue(a.Retention), retentionWords(l, a.Retention))
		row("activity", a.ID, "key_group", a.KeyGroup, "")
		if a.Profiling {
			row("activity", a.ID, "profiling", "true", "")
		}
		row("activity", a.ID, "automated_decision", a.AutomatedDecision, l.enum(a.AutomatedDecision))
		row("activity", a.ID, "automated_logic", a.AutomatedLogic, "")
	}
	for _, p := range d.Processor {
		row("processor", p.ID, "name", p.Name, "")
		partyRows(func(_, _, field, value, label string) { row("processor", p.ID, "controller_"+field, value, label) }, "", p.For)
		for _, x := range p.Purposes {
			row("processor", p.ID, "category_of_processing", x, l.key(x))
		}
		for _, s := range p.DataSubjects {
			row("processor", p.ID, "data_subject", s, l.key(s))
		}
		for _, c := range p.DataCategories {
			row("processor", p.ID, "data_category", c, l.key(c))
		}
		for _, r := range p.Transfers {
			transferRows(row, l, "processor", p.ID, r)
		}
	}
	for i, m := range d.SecurityMeasures {
		row("security", fmt.Sprint(i+1), "measure", m, "")
	}
	for _, x := range d.Drift {
		row("drift", x.Key, "kind", x.Kind, l.enum(x.Kind))
		row("drift", x.Key, "first_seen", x.FirstSeen.Format("2006-01-02T15:04:05Z07:00"), "")
		row("drift", x.Key, "first_event_id", x.FirstEvent, "")
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// transferRows are a transfer (Art. 30(1)(e), 30(2)(c)): the recipient
// in words, then, about activity/recipient, its safeguard as an enum name.
func transferRows(row func(section, id, field, value, label string), l words, section, activity string, r Recipient) {
	row(section, activity, "transfer", r.ID, transferWords(l, r))
	id := activity + "/" + r.ID
	row(section, id, "transfer_country", r.Country, "")
	row(section, id, "transfer_mechanism", r.TransferMechanism, l.enum(r.TransferMechanism))
	row(section, id, "art49_derogation", r.Art49Derogation, l.enum(r.Art49Derogation))
	if r.DPFCertified {
		row(section, id, "dpf_certified", "true", l.text("dpf"))
	}
	row(section, id, "safeguards_url", r.SafeguardsURL, "")
}

func partyRows(row func(section, id, field, value, label string), section string, p Party) {
	id := p.Name
	row(section, id, "name", p.Name, "")
	row(section, id, "address", p.Address, "")
	row(section, id, "contact_url", p.ContactURL, "")
	row(section, id, "country", p.Country, "")
	row(section, id, "arrangement_url", p.ArrangementURL, "")
}

func retentionValue(r Retention) string {
	return fmt.Sprintf("%d days after %s", r.Days, r.Trigger)
}

// HTML writes the document as a page to print, in lang ("en" or "de").
func HTML(w io.Writer, d *Document, lang string) error {
	var b bytes.Buffer
	if err := page.Execute(&b, htmlData{D: d, L: labelsFor(lang)}); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
