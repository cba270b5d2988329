package ropa

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// PDF writes the document as an A4 PDF in lang, with fpdf (pure Go). Its
// core fonts are Windows-1252: German and Irish text prints, characters
// outside it print as "?". The file's creation date is the record's date,
// so the same record gives the same bytes. Uncompressed: a record is a few
// pages, and its text stays greppable.
func PDF(w io.Writer, d *Document, lang string) error {
	l := labelsFor(lang)
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 15)
	p.SetCreationDate(d.AsOf)
	p.SetModificationDate(d.AsOf)
	p.SetCatalogSort(true)
	p.SetCompression(false)                     // a few pages; the text stays searchable
	tr := p.UnicodeTranslatorFromDescriptor("") // cp1252
	title := l.text("title")
	if d.Controller != nil {
		title += " — " + d.Controller.Name
	}
	p.SetTitle(title, true)
	p.SetCreator("Docket", true)
	p.AddPage()
	heading := func(size float64, s string) {
		p.Ln(2)
		p.SetFont("Helvetica", "B", size)
		p.MultiCell(0, size*0.5, tr(s), "", "L", false)
		p.Ln(1)
	}
	text := func(s string) {
		p.SetFont("Helvetica", "", 10)
		p.MultiCell(0, 5, tr(s), "", "L", false)
	}
	field := func(label string, values ...string) {
		var vs []string
		for _, v := range values {
			if v != "" {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return
		}
		p.SetFont("Helvetica", "B", 9)
		p.MultiCell(0, 4.5, tr(label), "", "L", false)
		p.SetFont("Helvetica", "", 10)
		p.SetX(20)
		p.MultiCell(0, 5, tr(strings.Join(vs, "\n")), "", "L", false)
		p.SetX(15)
	}
	keys := func(ks []string) []string {
		out := make([]string, len(ks))
		for i, k := range ks {
			out[i] = l.key(k)
			if out[i] != k {
				out[i] += " (" + k + ")"
			}
		}
		return out
	}
	party := func(x Party) string {
		s := x.Name
		if x.Country != "" {
			s += " (" + x.Country + ")"
		}
		for _, v := range []string{x.Address, x.ContactURL} {
			if v != "" {
				s += "\n" + v
			}
		}
		if x.ArrangementURL != "" {
			s += "\n" + l.text("arrangement") + ": " + x.ArrangementURL
		}
		return s
	}

	heading(16, l.text("title"))
	axis := l.text("axis_occurred")
	if d.Axis == "recorded" {
		axis = l.text("axis_recorded")
	}
	text(fmt.Sprintf("%s: %s — %s. %s", l.text("as_of"), d.AsOf.Format("2006-01-02 15:04:05 UTC"), axis, d.Tenant))

	heading(13, l.text("controller"))
	if c := d.Controller; c != nil {
		field(l.text("name"), c.Name)
		field(l.text("address"), c.Address)
		field(l.text("contact"), c.ContactURL, c.ContactEmail, c.ContactPhone)
		field(l.text("dpo"), c.DPOContactURL, c.DPOEmail)
		var jc []string
		for _, j := range c.JointControllers {
			jc = append(jc, party(j))
		}
		if len(jc) == 0 {
			jc = []string{l.text("none")}
		}
		field(l.text("joint_controllers"), jc...)
		switch {
		case c.Representative != nil:
			field(l.text("representative"), party(*c.Representative))
		case c.EstablishedInUnion():
			field(l.text("representative"), l.text("no_representative"))
		default:
			field(l.text("representative"), l.text("representative_none"))
		}
		field(l.text("authority"), c.SupervisoryAuthority, c.SupervisoryAuthorityURL)
		field(l.text("member_state"), c.MemberState)
		field(l.text("time_zone"), c.TimeZone)
	} else {
		text(l.text("no_profile"))
	}

	heading(13, l.text("activities"))
	if len(d.Activities) == 0 {
		text(l.text("no_activities"))
	}
	for _, a := range d.Activities {
		heading(11, a.Name+" ("+a.ID+")")
		field(l.text("purposes"), keys(a.Purposes)...)
		field(l.text("legal_basis"), l.enum(a.LegalBasis))
		field(l.text("special_condition"), l.enum(a.SpecialCategoryCondition))
		field(l.text("criminal_basis"), l.enum(a.CriminalDataBasis))
		li := a.LegitimateInterest
		if a.LegitimateInterestRef != "" {
			li = strings.TrimSpace(li + " (" + l.text("lia") + ": " + a.LegitimateInterestRef + ")")
		}
		field(l.text("legitimate_interest"), li)
		field(l.text("data_subjects"), keys(a.DataSubjects)...)
		field(l.text("data_categories"), keys(a.DataCategories)...)
		var rs, ts []string
		for _, r := range a.Recipients {
			rs = append(rs, recipientWords(l, r))
		}
		for _, r := range a.Transfers {
			t := transferWords(l, r)
			if r.SafeguardsURL != "" {
				t += " — " + l.text("safeguards") + ": " + r.SafeguardsURL
			}
			ts = append(ts, t)
		}
		if len(rs) == 0 {
			rs = []string{l.text("none")}
		}
		if len(ts) == 0 {
			ts = []string{l.text("no_transfers")}
		}
		field(l.text("recipients"), rs...)
		field(l.text("transfers"), ts...)
		field(l.text("retention"), retentionWords(l, a.Retention))
		auto := l.text("no_automated")
		if a.Profiling || a.AutomatedDecision != "" {
			var parts []string
			if a.Profiling {
				parts = append(parts, l.text("profiling"))
			}
			if a.AutomatedDecision != "" {
				parts = append(parts, l.enum(a.AutomatedDecision))
			}
			auto = strings.Join(parts, "; ")
			if a.AutomatedLogic != "" {
				auto += "\n" + a.AutomatedLogic
			}
		}
		field(l.text("automated"), auto)
	}

	heading(13, l.text("security"))
	if len(d.SecurityMeasures) == 0 {
		text(l.text("no_security"))
	}
	for _, m := range d.SecurityMeasures {
		text("- " + m)
	}

	heading(13, l.text("processor"))
	if len(d.Processor) == 0 {
		text(l.text("no_processor"))
	}
	for _, x := range d.Processor {
		heading(11, x.Name+" ("+x.ID+")")
		field(l.text("processed_for"), party(x.For))
		field(l.text("categories_of_processing"), keys(x.Purposes)...)
		field(l.text("data_subjects_2"), keys(x.DataSubjects)...)
		field(l.text("data_categories"), keys(x.DataCategories)...)
		var ts []string
		for _, r := range x.Transfers {
			ts = append(ts, transferWords(l, r))
		}
		if len(ts) == 0 {
			ts = []string{l.text("no_transfers")}
		}
		field(l.text("transfers_2"), ts...)
		text(l.text("security_2"))
	}
	if len(d.Drift) > 0 {
		heading(13, l.text("drift"))
		for _, x := range d.Drift {
			text(fmt.Sprintf("- %s (%s), %s %s", x.Key, l.enum(x.Kind), l.text("first_seen"), x.FirstSeen.Format("2006-01-02 15:04:05 UTC")))
		}
	}
	text(l.text("generated"))
	return p.Output(w)
}
