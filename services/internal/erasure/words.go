package erasure

import (
	"strings"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// vocabulary is what a proof of erasure says, in one language.
type vocabulary struct {
	shredded, erased, erasedOf, notified, kept string
	rights                                     map[eventsv1.Right]string
	grounds                                    map[eventsv1.ErasureExemptionGround]string
}

// words are the languages a proof of erasure speaks. A test checks that
// every language has words for every right and every Art. 17(3) ground.
var words = map[string]*vocabulary{
	"en": {
		shredded: "keys of key groups %s destroyed",
		erased:   "system %s erased %d records",
		erasedOf: " of %s",
		notified: "recipient %s told of the %s",
		kept:     "key groups %s kept, not erased (Art. 17(3))",
		rights: map[eventsv1.Right]string{
			eventsv1.Right_RIGHT_ACCESS: "access", eventsv1.Right_RIGHT_RECTIFICATION: "rectification",
			eventsv1.Right_RIGHT_ERASURE: "erasure", eventsv1.Right_RIGHT_RESTRICTION: "restriction",
			eventsv1.Right_RIGHT_OBJECTION: "objection", eventsv1.Right_RIGHT_PORTABILITY: "portability",
		},
		grounds: map[eventsv1.ErasureExemptionGround]string{
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_FREEDOM_OF_EXPRESSION: "Art. 17(3)(a) GDPR: exercising the right of freedom of expression and information",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION:      "Art. 17(3)(b) GDPR: compliance with a legal obligation that requires keeping the data (for example, tax law's retention of invoices)",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_PUBLIC_HEALTH:         "Art. 17(3)(c) GDPR: reasons of public interest in the area of public health",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_ARCHIVING_RESEARCH:    "Art. 17(3)(d) GDPR: archiving in the public interest, scientific or historical research or statistics",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_CLAIMS:          "Art. 17(3)(e) GDPR: the establishment, exercise or defence of legal claims",
		},
	},
	"de": {
		shredded: "Schlüssel der Schlüsselgruppen %s vernichtet",
		erased:   "System %s hat %d Datensätze gelöscht",
		erasedOf: " (Kategorien: %s)",
		notified: "Empfänger %s über die %s unterrichtet",
		kept:     "Schlüsselgruppen %s aufbewahrt, nicht gelöscht (Art. 17 Abs. 3 DSGVO)",
		rights: map[eventsv1.Right]string{
			eventsv1.Right_RIGHT_ACCESS: "Auskunft", eventsv1.Right_RIGHT_RECTIFICATION: "Berichtigung",
			eventsv1.Right_RIGHT_ERASURE: "Löschung", eventsv1.Right_RIGHT_RESTRICTION: "Einschränkung der Verarbeitung",
			eventsv1.Right_RIGHT_OBJECTION: "Widerspruch", eventsv1.Right_RIGHT_PORTABILITY: "Datenübertragbarkeit",
		},
		grounds: map[eventsv1.ErasureExemptionGround]string{
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_FREEDOM_OF_EXPRESSION: "Art. 17 Abs. 3 lit. a DSGVO: Ausübung des Rechts auf freie Meinungsäußerung und Information",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION:      "Art. 17 Abs. 3 lit. b DSGVO: Erfüllung einer rechtlichen Verpflichtung, die die Aufbewahrung verlangt (zum Beispiel die steuerrechtliche Aufbewahrung von Rechnungen)",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_PUBLIC_HEALTH:         "Art. 17 Abs. 3 lit. c DSGVO: Gründe des öffentlichen Interesses im Bereich der öffentlichen Gesundheit",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_ARCHIVING_RESEARCH:    "Art. 17 Abs. 3 lit. d DSGVO: im öffentlichen Interesse liegende Archivzwecke, wissenschaftliche oder historische Forschungszwecke oder statistische Zwecke",
			eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_CLAIMS:          "Art. 17 Abs. 3 lit. e DSGVO: Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen",
		},
	},
}

// Languages are the languages a proof of erasure speaks.
func Languages() []string { return []string{"en", "de"} }

// right names r; an unknown right (a newer event than this code) by its
// enum name.
func (w *vocabulary) right(r eventsv1.Right) string {
	if s, ok := w.rights[r]; ok {
		return s
	}
	return strings.ToLower(strings.TrimPrefix(r.String(), "RIGHT_"))
}

// ground says g in words; an unknown or unspecified ground by its enum
// name.
func (w *vocabulary) ground(g eventsv1.ErasureExemptionGround) string {
	if s, ok := w.grounds[g]; ok {
		return s
	}
	return g.String()
}
