package receipt

import (
	"fmt"
	"strings"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// phrase is one thing a receipt says, in each language it speaks.
type phrase struct{ en, de string }

// What a receipt says in words. A %s is filled in as the function using
// it says.
var (
	// withdrawText: how to withdraw; %s is the controller's contact.
	withdrawText = phrase{
		"withdraw at any time, as easily as it was given, by telling the controller (%s); withdrawal does not affect processing before it (GDPR Art. 7(3))",
		"jederzeit so einfach widerrufbar, wie sie erteilt wurde, durch Mitteilung an den Verantwortlichen (%s); der Widerruf berührt die Verarbeitung bis zum Widerruf nicht (Art. 7 Abs. 3 DSGVO)",
	}
	// keptText: the Kantara termination; the withdrawal method, then the retention.
	keptText = phrase{
		"consent lasts until withdrawn: %s; the data is kept %s",
		"die Einwilligung gilt bis zum Widerruf: %s; die Daten werden gespeichert: %s",
	}
	untilWithdrawnText = phrase{"until withdrawn", "bis zum Widerruf"}
	withdrawnText      = phrase{"P0D: withdrawn", "P0D: widerrufen"}
	afterText          = phrase{"after", "nach"}
	viaText            = phrase{"via", "über"}
	contactText        = phrase{"Data Protection Officer", "Datenschutzbeauftragte(r)"}

	methodText = map[eventsv1.ConsentMethod]phrase{
		eventsv1.ConsentMethod_CONSENT_METHOD_CHECKBOX:         {"ticked checkbox", "angekreuztes Kästchen"},
		eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN:    {"double opt-in", "Double-Opt-in"},
		eventsv1.ConsentMethod_CONSENT_METHOD_COOKIE_BANNER:    {"cookie banner", "Cookie-Banner"},
		eventsv1.ConsentMethod_CONSENT_METHOD_SIGNED_FORM:      {"signed form", "unterschriebenes Formular"},
		eventsv1.ConsentMethod_CONSENT_METHOD_RECORDED_VERBAL:  {"recorded oral statement", "aufgezeichnete mündliche Erklärung"},
		eventsv1.ConsentMethod_CONSENT_METHOD_ACCOUNT_SETTINGS: {"account settings", "Kontoeinstellungen"},
		eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK: {"unsubscribe link", "Abmeldelink"},
	}
	channelText = map[eventsv1.Channel]phrase{
		eventsv1.Channel_CHANNEL_WEB: {"web", "Web"}, eventsv1.Channel_CHANNEL_MOBILE_APP: {"app", "App"},
		eventsv1.Channel_CHANNEL_EMAIL: {"email", "E-Mail"}, eventsv1.Channel_CHANNEL_PHONE: {"phone", "Telefon"},
		eventsv1.Channel_CHANNEL_PAPER: {"paper", "Papier"}, eventsv1.Channel_CHANNEL_IN_PERSON: {"in person", "persönlich"},
		eventsv1.Channel_CHANNEL_API: {"API", "API"},
	}
	// triggerText: what starts a retention period, for the catalogue's
	// standard triggers (events.RetentionTrigger's words); the controller's
	// own words are kept as written.
	triggerText = map[string]phrase{
		"collection": {"collection", "der Erhebung"}, "consent withdrawn": {"consent withdrawn", "dem Widerruf der Einwilligung"},
		"objection upheld": {"objection upheld", "einem erfolgreichen Widerspruch"}, "request fulfilled": {"request fulfilled", "der Erledigung des Antrags"},
		"relationship ended": {"relationship ended", "dem Ende der Geschäftsbeziehung"},
	}
)

// wording says things in one language: the language of the notice the
// consent was given under (German for de, de-AT, ...; English otherwise).
type wording struct {
	lang   string // the BCP 47 tag, as given
	german bool
}

// wordingFor returns the wording of a BCP 47 language tag.
func wordingFor(lang string) wording {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return wording{lang: lang, german: primary == "de"}
}

// say returns p in w's language.
func (w wording) say(p phrase) string {
	if w.german {
		return p.de
	}
	return p.en
}

func (w wording) withdraw(contact string) string { return fmt.Sprintf(w.say(withdrawText), contact) }
func (w wording) kept(retention, withdraw string) string {
	return fmt.Sprintf(w.say(keptText), withdraw, retention)
}

// retention says how long data is kept: an ISO 8601 duration after its
// trigger.
func (w wording) retention(r *eventsv1.Retention) string {
	t := events.RetentionTrigger(r)
	if p, ok := triggerText[t]; ok {
		t = w.say(p)
	}
	return fmt.Sprintf("P%dD %s %s", r.GetDays(), w.say(afterText), t)
}

// method says how consent was given, and where.
func (w wording) method(m eventsv1.ConsentMethod, c eventsv1.Channel) string {
	s := words(events.EnumName(m), "CONSENT_METHOD_")
	if p, ok := methodText[m]; ok {
		s = w.say(p)
	}
	if c != eventsv1.Channel_CHANNEL_UNSPECIFIED {
		ch := words(events.EnumName(c), "CHANNEL_")
		if p, ok := channelText[c]; ok {
			ch = w.say(p)
		}
		s += " " + w.say(viaText) + " " + ch
	}
	return s
}

// words makes an enum name read as words: CHANNEL_WEB is "web".
func words(name, prefix string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, prefix)), "_", " ")
}
