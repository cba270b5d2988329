package export

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events/taxonomy/labels"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// view is what the HTML form (the Art. 15 report) shows: the report, in
// one language, with the controller's profile and catalogue as of the
// report's as_of. The JSON form is the Report alone.
type view struct {
	*Report
	// AsOf is the moment the report describes (its generation time).
	AsOf time.Time
	// Profile is the controller's profile as of AsOf, its free text
	// opened; nil when none was declared.
	Profile *eventsv1.ControllerProfile
	// Automated are the processing entries with profiling or an automated
	// decision (Art. 15(1)(h)).
	Automated []Processing
	cat       map[string]*eventsv1.ProcessingActivity
	l         *labels.Set
}

func newView(r *Report, asOf time.Time, profile *eventsv1.ControllerProfile, cat map[string]*eventsv1.ProcessingActivity, l *labels.Set) *view {
	v := &view{Report: r, AsOf: asOf, Profile: profile, cat: cat, l: l}
	for _, p := range r.Processing {
		if a := cat[p.Activity]; p.Profiling || p.AutomatedDecision != "" || a.GetProfiling() ||
			a.GetAutomatedDecision() != eventsv1.AutomatedDecision_AUTOMATED_DECISION_UNSPECIFIED {
			v.Automated = append(v.Automated, p)
		}
	}
	return v
}

// Who names the controller: the profile's name, else the tenant.
func (v *view) Who() string {
	if v.Profile.GetName() != "" {
		return v.Profile.GetName()
	}
	return v.Controller
}

// language picks the report's language: the one asked for, else the
// profile's first, else English (labels.For falls back to it).
func language(asked string, p *eventsv1.ControllerProfile) *labels.Set {
	if asked != "" {
		return labels.For(asked)
	}
	if ls := p.GetLanguages(); len(ls) > 0 {
		return labels.For(ls[0])
	}
	return labels.For("en")
}

func renderHTML(v *view) ([]byte, error) {
	t, err := page.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(v.funcs())
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// phrase is the phrase id in the view's language; an unknown id fails the
// rendering, so that a typo cannot ship.
func (v *view) phrase(id string) (string, error) {
	p, ok := phrases[id]
	if !ok {
		return "", fmt.Errorf("no phrase %q", id)
	}
	if v.l.Lang() == "de" {
		return p[1], nil
	}
	return p[0], nil
}

var monthsDE = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

func (v *view) day(t time.Time) string {
	t = t.UTC()
	if v.l.Lang() == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), monthsDE[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

func (v *view) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return v.day(t) + ", " + t.UTC().Format("15:04") + " UTC"
}

// source says where a value came from, in words.
func (v *view) source(s string) (string, error) {
	switch {
	case s == "":
		return "", nil
	case s == "data_subject":
		return v.phrase("from_you")
	case s == "observed":
		return v.phrase("observed")
	case s == "rectification":
		return v.phrase("corrected")
	case strings.HasPrefix(s, "third_party:"):
		f, err := v.phrase("from_third")
		return fmt.Sprintf(f, strings.TrimPrefix(s, "third_party:")), err
	}
	f, err := v.phrase("recorded_by")
	return fmt.Sprintf(f, s), err
}

// retention is an activity's retention period or its criteria, in words.
func (v *view) retention(activity string) (string, error) {
	r := v.cat[activity].GetRetention()
	if r == nil {
		return v.phrase("kept_unknown")
	}
	if r.GetDays() == 0 {
		return v.phrase("until_erasure")
	}
	f, err := v.phrase("days")
	s := fmt.Sprintf(f, r.GetDays())
	// The event the ledger keeps the clock by, in the report's language;
	// the controller's own words (in its language) only where an older
	// declaration names no event.
	if te := r.GetTriggerEvent(); te != eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED {
		s += " " + v.l.Enum(te)
	} else if w := r.GetTrigger(); w != "" {
		c, err := v.phrase("criteria")
		if err != nil {
			return "", err
		}
		s += " (" + fmt.Sprintf(c, w) + ")"
	}
	return s, err
}

func (v *view) funcs() template.FuncMap {
	return template.FuncMap{
		"lang": v.l.Lang,
		// A phrase is Docket's own constant text, trusted as HTML (so that
		// "subject's" stays as written); what fills its blanks is escaped.
		"t": func(id string) (template.HTML, error) {
			p, err := v.phrase(id)
			return template.HTML(p), err
		},
		"tf": func(id string, args ...any) (template.HTML, error) {
			f, err := v.phrase(id)
			for i, a := range args {
				if s, ok := a.(string); ok {
					args[i] = template.HTMLEscapeString(s)
				}
			}
			return template.HTML(fmt.Sprintf(f, args...)), err
		},
		"key":  v.l.Key,
		"enum": v.l.EnumName,
		"when": v.when,
		"whenp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return v.day(*t)
		},
		"day": v.day,
		"field": func(path string) template.HTML {
			name := path[strings.LastIndexByte(path, '.')+1:]
			w, err := v.phrase("field_" + name)
			if err != nil {
				w = path
			}
			return template.HTML(`<span title="` + template.HTMLEscapeString(path) + `">` + template.HTMLEscapeString(w) + `</span>`)
		},
		"source":    v.source,
		"retention": v.retention,
		"activity":  func(id string) *eventsv1.ProcessingActivity { return v.cat[id] },
		"interests": func(bases []string) bool {
			return slices.Contains(bases, eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS.String())
		},
		"outside": func(mechanism string) bool {
			return mechanism != "" && mechanism != eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE.String() &&
				mechanism != eventsv1.TransferMechanism_TRANSFER_MECHANISM_UNSPECIFIED.String()
		},
		"status": func(s string) string {
			if p, err := v.phrase("st_" + s); err == nil {
				return p
			}
			return s
		},
	}
}
