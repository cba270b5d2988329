package ropa

import (
	"fmt"
	"strings"

	"github.com/docketledger/docket/events/taxonomy/labels"
)

// Langs are the languages the document is written in; the first is the
// default.
var Langs = []string{"en", "de"}

// CheckLang reports why lang is not one the document is written in.
func CheckLang(lang string) error {
	for _, l := range Langs {
		if lang == l {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(Langs, ", "))
}

// words gives the words of the document in one language: its own
// headings and sentences, and package labels' for taxonomy keys and enum
// values.
type words struct {
	lang string
	set  *labels.Set
}

func labelsFor(lang string) words {
	if CheckLang(lang) != nil {
		lang = Langs[0]
	}
	return words{lang: lang, set: labels.For(lang)}
}

// key is a taxonomy key (a purpose, data category or data subject) in
// words.
func (l words) key(k string) string { return l.set.Key(k) }

// enum is an enum value, given by its name, in words; "" for none.
func (l words) enum(e string) string {
	if e == "" {
		return ""
	}
	if w := l.set.EnumName(e); w != e {
		return w
	}
	if _, ok := texts[e]; ok { // the API's own enums (observed kinds)
		return l.text(e)
	}
	return e
}

// Lang is the document's language, for the html lang attribute.
func (l words) Lang() string { return l.lang }

// T is one of the document's own sentences and headings.
func (l words) T(id string) string { return l.text(id) }

func (l words) text(id string) string {
	t, ok := texts[id]
	if !ok {
		return id
	}
	if l.lang == "de" {
		return t[1]
	}
	return t[0]
}

// texts are the document's headings and sentences, English then German.
var texts = map[string][2]string{
	"title":                    {"Record of processing activities", "Verzeichnis von Verarbeitungstätigkeiten"},
	"as_of":                    {"As of", "Stand"},
	"axis_occurred":            {"what was true at that time (occurred_at)", "was zu diesem Zeitpunkt galt (occurred_at)"},
	"axis_recorded":            {"what the ledger knew at that time (recorded_at)", "was das Ledger zu diesem Zeitpunkt wusste (recorded_at)"},
	"controller":               {"Controller (Art. 30(1)(a))", "Verantwortlicher (Art. 30 Abs. 1 lit. a)"},
	"no_profile":               {"No controller profile was declared by this date.", "Bis zu diesem Datum wurde kein Profil des Verantwortlichen erklärt."},
	"name":                     {"Name", "Name"},
	"address":                  {"Address", "Anschrift"},
	"contact":                  {"Contact", "Kontakt"},
	"dpo":                      {"Data protection officer", "Datenschutzbeauftragter"},
	"joint_controllers":        {"Joint controllers (Art. 26)", "Gemeinsam Verantwortliche (Art. 26)"},
	"none":                     {"none", "keine"},
	"arrangement":              {"essence of the arrangement", "Wesentliches der Vereinbarung"},
	"representative":           {"Representative (Art. 27)", "Vertreter (Art. 27)"},
	"no_representative":        {"Not required: the controller is established in the Union (Art. 27(1)).", "Nicht erforderlich: der Verantwortliche ist in der Union niedergelassen (Art. 27 Abs. 1)."},
	"representative_none":      {"None named.", "Keiner benannt."},
	"authority":                {"Supervisory authority", "Aufsichtsbehörde"},
	"member_state":             {"Main establishment", "Hauptniederlassung"},
	"time_zone":                {"Time zone", "Zeitzone"},
	"activities":               {"Processing activities (Art. 30(1)(b)–(f))", "Verarbeitungstätigkeiten (Art. 30 Abs. 1 lit. b–f)"},
	"no_activities":            {"No activity was declared by this date.", "Bis zu diesem Datum wurde keine Tätigkeit erklärt."},
	"purposes":                 {"Purposes (b)", "Zwecke (b)"},
	"legal_basis":              {"Legal basis (Art. 6(1))", "Rechtsgrundlage (Art. 6 Abs. 1)"},
	"special_condition":        {"Special categories: condition (Art. 9(2))", "Besondere Kategorien: Bedingung (Art. 9 Abs. 2)"},
	"criminal_basis":           {"Criminal offence data (Art. 10)", "Daten über Straftaten (Art. 10)"},
	"legitimate_interest":      {"Legitimate interest", "Berechtigtes Interesse"},
	"lia":                      {"assessment", "Abwägung"},
	"data_subjects":            {"Categories of data subjects (c)", "Kategorien betroffener Personen (c)"},
	"data_categories":          {"Categories of personal data (c)", "Kategorien personenbezogener Daten (c)"},
	"recipients":               {"Recipients (d)", "Empfänger (d)"},
	"transfers":                {"Transfers to third countries (e)", "Übermittlungen in Drittländer (e)"},
	"no_transfers":             {"none", "keine"},
	"retention":                {"Time limit for erasure (f)", "Löschfrist (f)"},
	"automated":                {"Profiling and automated decisions", "Profiling und automatisierte Entscheidungen"},
	"profiling":                {"profiling (Art. 4(4))", "Profiling (Art. 4 Nr. 4)"},
	"no_automated":             {"none", "keine"},
	"security":                 {"Technical and organisational security measures (Art. 30(1)(g), 32(1))", "Technische und organisatorische Maßnahmen (Art. 30 Abs. 1 lit. g, Art. 32 Abs. 1)"},
	"no_security":              {"No measures were declared by this date.", "Bis zu diesem Datum wurden keine Maßnahmen erklärt."},
	"processor":                {"Processing as a processor (Art. 30(2))", "Verarbeitung als Auftragsverarbeiter (Art. 30 Abs. 2)"},
	"no_processor":             {"The controller processes for no other controller.", "Der Verantwortliche verarbeitet für keinen anderen Verantwortlichen."},
	"processed_for":            {"Controller processed for (a)", "Verantwortlicher, für den verarbeitet wird (a)"},
	"categories_of_processing": {"Categories of processing (b)", "Kategorien von Verarbeitungen (b)"},
	"data_subjects_2":          {"Categories of data subjects", "Kategorien betroffener Personen"},
	"transfers_2":              {"Transfers to third countries (c)", "Übermittlungen in Drittländer (c)"},
	"security_2":               {"Security measures (d): as under Art. 30(1)(g) above.", "Sicherheitsmaßnahmen (d): wie oben unter Art. 30 Abs. 1 lit. g."},
	"drift":                    {"Processing events show but no activity declares", "Verarbeitung, die Ereignisse zeigen, aber keine Tätigkeit erklärt"},
	"first_seen":               {"first seen", "zuerst gesehen"},
	"OBSERVED_KIND_PURPOSE":    {"purpose", "Zweck"},
	"OBSERVED_KIND_CATEGORY":   {"data category", "Datenkategorie"},
	"OBSERVED_KIND_RECIPIENT":  {"recipient", "Empfänger"},
	"days_from":                {"%d days, %s", "%d Tage, %s"},
	"days_after":               {"%d days after %s", "%d Tage nach %s"},
	"until_erasure":            {"until erasure is requested (no time limit declared)", "bis zur Löschung auf Verlangen (keine Frist erklärt)"},
	"in":                       {"in", "in"},
	"dpf":                      {"EU-US Data Privacy Framework certified", "zertifiziert nach dem EU-US Data Privacy Framework"},
	"safeguards":               {"copy of the safeguards", "Kopie der Garantien"},
	"generated":                {"Produced by Docket from the ledger.", "Von Docket aus dem Ledger erstellt."},
}

func recipientWords(l words, r Recipient) string {
	s := r.Name
	if k := l.enum(r.Kind); k != "" {
		s += " (" + k + ")"
	}
	if r.Country != "" {
		s += ", " + r.Country
	}
	return s
}

func transferWords(l words, r Recipient) string {
	s := r.Name + ", " + r.Country
	// The derogation's words name Art. 49(1) and its point: they stand
	// for the mechanism's ("a derogation (Art. 49)").
	if d := l.enum(r.Art49Derogation); d != "" {
		s += ": " + d
	} else if m := l.enum(r.TransferMechanism); m != "" {
		s += ": " + m
	}
	if r.DPFCertified {
		s += "; " + l.text("dpf")
	}
	return s
}

func retentionWords(l words, r Retention) string {
	if r.Days == 0 {
		return l.text("until_erasure")
	}
	// The controller's own words for the trigger, else the ledger's clock
	// in words ("from when ..."), which events.RetentionTrigger otherwise
	// spells from the enum name.
	if r.TriggerEvent != "" && r.Trigger == strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(r.TriggerEvent, "RETENTION_TRIGGER_"), "_", " ")) {
		return fmt.Sprintf(l.text("days_from"), r.Days, l.enum(r.TriggerEvent))
	}
	return fmt.Sprintf(l.text("days_after"), r.Days, r.Trigger)
}
