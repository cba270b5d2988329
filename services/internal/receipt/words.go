package receipt

import (
	"fmt"
	"strings"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// wording is what a receipt says in words, in one language: the
// language of the notice the consent was given under (German for de, de-AT,
// ...; English otherwise).
type wording struct {
	lang string
	// withdraw: how to withdraw, given the controller's contact.
	withdraw func(contact string) string
	// untilWithdrawn: the validity of a consent that has no end date.
	untilWithdrawn string
	// withdrawn: the validity left after a withdrawal.
	withdrawn string
	// kept: the Kantara termination, given the retention and the
	// withdrawal method.
	kept    func(retention, withdraw string) string
	after   string // "P30D after collection"
	via     string // "double opt-in via web"
	contact string // the controller's contact (Kantara contact)
	methods map[eventsv1.ConsentMethod]string
	chans   map[eventsv1.Channel]string
	// triggers: what starts a retention period, for the catalogue's
	// standard triggers (the controller's own words are kept as written).
	triggers map[string]string
}

var english = wording{
	withdraw: func(c string) string {
		return "withdraw at any time, as easily as it was given, by telling the controller (" + c + "); withdrawal does not affect processing before it (GDPR Art. 7(3))"
	},
	untilWithdrawn: "until withdrawn",
	withdrawn:      "P0D: withdrawn",
	kept: func(r, w string) string {
		return "consent lasts until withdrawn: " + w + "; the data is kept " + r
	},
	after: "after", via: "via", contact: "Data Protection Officer",
	methods: map[eventsv1.ConsentMethod]string{
		eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX: "ticked checkbox", eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN: "double opt-in",
		eventsv1.ConsentMethod_CONSENT_METHOD_COOKIE_BANNER: "cookie banner", eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM: "signed form",
		eventsv1.ConsentMethod_CONSENT_METHOD_RECORDED_VERBAL: "recorded oral statement", eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS: "account settings",
		eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK: "unsubscribe link",
	},
	chans: map[eventsv1.Channel]string{eventsv1.Channel_CHANNEL_MOBILE_APP: "app", eventsv1.Channel_CHANNEL_IN_PERSON: "in person", eventsv1.Channel_CHANNEL_API: "API"},
}

var german = wording{
	withdraw: func(c string) string {
		return "jederzeit so einfach widerrufbar, wie sie erteilt wurde, durch Mitteilung an den Verantwortlichen (" + c + "); der Widerruf berührt die Verarbeitung bis zum Widerruf nicht (Art. 7 Abs. 3 DSGVO)"
	},
	untilWithdrawn: "bis zum Widerruf",
	withdrawn:      "P0D: widerrufen",
	kept: func(r, w string) string {
		return "die Einwilligung gilt bis zum Widerruf: " + w + "; die Daten werden gespeichert: " + r
	},
	after: "nach", via: "über", contact: "Datenschutzbeauftragte(r)",
	methods: map[eventsv1.ConsentMethod]string{
		eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX: "angekreuztes Kästchen", eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN: "Double-Opt-in",
		eventsv1.ConsentMethod_CONSENT_METHOD_COOKIE_BANNER: "Cookie-Banner", eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM: "unterschriebenes Formular",
		eventsv1.ConsentMethod_CONSENT_METHOD_RECORDED_VERBAL: "aufgezeichnete mündliche Erklärung", eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS: "Kontoeinstellungen",
		eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK: "Abmeldelink",
	},
	chans: map[eventsv1.Channel]string{
		eventsv1.Channel_CHANNEL_WEB: "Web", eventsv1.Channel_CHANNEL_MOBILE_APP: "App", eventsv1.Channel_CHANNEL_EMAIL: "E-Mail",
		eventsv1.Channel_CHANNEL_PHONE: "Telefon", eventsv1.Channel_CHANNEL_PAPER: "Papier",
		eventsv1.Channel_CHANNEL_IN_PERSON: "persönlich", eventsv1.Channel_CHANNEL_API: "API",
	},
	triggers: map[string]string{
		"collection": "der Erhebung", "consent withdrawn": "dem Widerruf der Einwilligung", "objection upheld": "einem erfolgreichen Widerspruch",
		"request fulfilled": "der Erledigung des Antrags", "relationship ended": "dem Ende der Geschäftsbeziehung",
	},
}

// wordingFor returns the wording of a BCP 47 language tag.
func wordingFor(lang string) wording {
	w := english
	if primary, _, _ := strings.Cut(strings.ToLower(lang), "-"); primary == "de" {
		w = german
	}
	w.lang = lang
	return w
}

// retention says how long data is kept: an ISO 8601 duration after its
// trigger.
func (w wording) retention(r *eventsv1.Retention) string {
	t := events.RetentionTrigger(r)
	if x, ok := w.triggers[t]; ok {
		t = x
	}
	return fmt.Sprintf("P%dD %s %s", r.GetDays(), w.after, t)
}

// method says how consent was given or withdrawn, and where.
func (w wording) method(m eventsv1.ConsentMethod, c eventsv1.Channel) string {
	s, ok := w.methods[m]
	if !ok {
		s = words(events.EnumName(m), "CONSENT_METHOD_")
	}
	if c != eventsv1.Channel_CHANNEL_UNSPECIFIED {
		ch, ok := w.chans[c]
		if !ok {
			ch = words(events.EnumName(c), "CHANNEL_")
		}
		s += " " + w.via + " " + ch
	}
	return s
}

// words makes an enum name read as words: CHANNEL_WEB is "web".
func words(name, prefix string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, prefix)), "_", " ")
}
