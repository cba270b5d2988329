package receipt

import (
	"errors"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Forms of receipt.
const (
	FormISO27560 = "iso27560"
	FormKantara  = "kantara"
)

// KantaraVersion is the version field of a Kantara Consent Receipt v1.1.
const KantaraVersion = "KI-CR-v1.1.0"

var (
	// ErrNoController: a Kantara receipt names the controller with its
	// contact details, and the tenant has no controller profile.
	ErrNoController = errors.New("the tenant has no controller profile (the controllers setting of docketd)")
	// ErrWithdrawal: Kantara CR v1.1 records consent given; a withdrawal
	// has the ISO/IEC TS 27560 form only.
	ErrWithdrawal = errors.New("a Kantara Consent Receipt v1.1 records consent given; a withdrawal has the ISO/IEC TS 27560 form only")
)

// Controller is the profile of a tenant's controller that a Kantara
// receipt names: organisational contact details, never a data subject's.
type Controller struct {
	Name    string `json:"name"`
	Contact string `json:"contact"` // e.g. "Data Protection Officer"
	Address string `json:"address"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	URL     string `json:"url,omitempty"`
	// PolicyURL is the privacy notice the consent was given under.
	PolicyURL string `json:"policy_url"`
	// Jurisdiction: ISO 3166-1 alpha-2 country code, e.g. "GB".
	Jurisdiction string `json:"jurisdiction"`
	// Language of the receipt, a BCP 47 tag; default "en".
	Language string `json:"language,omitempty"`
}

// Problems lists what is wrong with c, as (field, reason) pairs.
func (c Controller) Problems() [][2]string {
	var out [][2]string
	bad := func(field, reason string) { out = append(out, [2]string{field, reason}) }
	for _, f := range []struct{ name, v string }{
		{"name", c.Name}, {"contact", c.Contact}, {"address", c.Address}, {"email", c.Email}, {"phone", c.Phone},
		{"policy_url", c.PolicyURL}, {"jurisdiction", c.Jurisdiction},
	} {
		if strings.TrimSpace(f.v) == "" {
			bad(f.name, "is required")
		}
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			bad("email", "is not an email address")
		}
	}
	for _, f := range []struct{ name, v string }{{"url", c.URL}, {"policy_url", c.PolicyURL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(f.name, "is not an http(s) URL")
		}
	}
	if j := c.Jurisdiction; j != "" && (len(j) != 2 || strings.ToUpper(j) != j || strings.ContainsFunc(j, func(r rune) bool { return r < 'A' || r > 'Z' })) {
		bad("jurisdiction", "is not an ISO 3166-1 alpha-2 code such as GB")
	}
	if l := c.Language; l != "" && (len(l) > 35 || strings.ContainsFunc(l, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-'
	})) {
		bad("language", "is not a BCP 47 language tag such as en or de-CH")
	}
	return out
}

// Kantara is a Kantara Initiative Consent Receipt Specification v1.1
// receipt (the field names and structure of its JSON schema).
type Kantara struct {
	Version          string              `json:"version"`
	Jurisdiction     string              `json:"jurisdiction"`
	ConsentTimestamp int64               `json:"consentTimestamp"` // Unix seconds
	CollectionMethod string              `json:"collectionMethod"`
	ConsentReceiptID string              `json:"consentReceiptID"` // the consent event's id
	PublicKey        string              `json:"publicKey,omitempty"`
	Language         string              `json:"language"`
	PIIPrincipalID   string              `json:"piiPrincipalId"` // pseudonymous subject reference
	PIIControllers   []KantaraController `json:"piiControllers"`
	PolicyURL        string              `json:"policyUrl"`
	Services         []KantaraService    `json:"services"`
	Sensitive        bool                `json:"sensitive"`
	SPICat           []string            `json:"spiCat"`
}

// KantaraController is a piiControllers entry.
type KantaraController struct {
	PIIController    string `json:"piiController"`
	OnBehalf         bool   `json:"onBehalf"`
	Contact          string `json:"contact"`
	Address          string `json:"address"`
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	PIIControllerURL string `json:"piiControllerUrl,omitempty"`
}

// KantaraService is a services entry.
type KantaraService struct {
	Service  string           `json:"service"`
	Purposes []KantaraPurpose `json:"purposes"`
}

// KantaraPurpose is one purpose of a service.
type KantaraPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"` // EXPLICIT or IMPLICIT
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// kantara maps a consent given, and its 27560 record (which holds what
// the catalogue says of the purpose), to the Kantara v1.1 structure.
func kantara(ev *eventsv1.Event, iso *Receipt, c Controller, publicKey string) (*Kantara, error) {
	given := ev.GetConsentGiven()
	if given == nil {
		return nil, ErrWithdrawal
	}
	p := iso.PIIProcessing.Purposes[0]
	lang := c.Language
	if lang == "" {
		lang = "en"
	}
	method := words(iso.Event[0].Method, "CONSENT_METHOD_")
	if ch := iso.Event[0].Channel; ch != "" {
		method += " via " + words(ch, "CHANNEL_")
	}
	k := &Kantara{
		Version: KantaraVersion, Jurisdiction: c.Jurisdiction, ConsentTimestamp: ev.GetOccurredAt().AsTime().Unix(),
		CollectionMethod: method, ConsentReceiptID: ev.GetEventId(), PublicKey: publicKey, Language: lang,
		PIIPrincipalID: ev.GetSubjectRef(),
		PIIControllers: []KantaraController{{PIIController: c.Name, Contact: c.Contact, Address: c.Address, Email: c.Email,
			Phone: c.Phone, PIIControllerURL: c.URL}},
		PolicyURL: c.PolicyURL, SPICat: []string{},
	}
	kp := KantaraPurpose{Purpose: p.Purpose, PurposeCategory: []string{p.PurposeType}, ConsentType: "IMPLICIT",
		PrimaryPurpose: true, Termination: p.WithdrawalMethod}
	if iso.Event[0].Type == "dpv:ExplicitlyExpressedConsent" {
		kp.ConsentType = "EXPLICIT"
	}
	if p.RetentionPeriod != "" {
		kp.Termination = "data kept " + p.RetentionPeriod + "; consent ends when withdrawn: " + p.WithdrawalMethod
	}
	for _, pii := range p.PIIInformation {
		kp.PIICategory = append(kp.PIICategory, pii.PIIType)
		if taxonomy.IsSpecialCategory(pii.PIIType) {
			k.Sensitive = true
			k.SPICat = append(k.SPICat, pii.PIIType)
		}
	}
	if kp.PIICategory == nil {
		kp.PIICategory = []string{}
	}
	var names []string
	for _, party := range iso.PartyIdentification {
		if party.PartyRole == "dpv:Recipient" {
			names = append(names, party.PartyName)
		}
	}
	if len(names) > 0 {
		kp.ThirdPartyDisclosure, kp.ThirdPartyName = true, strings.Join(names, ", ")
	}
	service := strings.Join(p.Services, ", ")
	if service == "" {
		service = p.Purpose
	}
	k.Services = []KantaraService{{Service: service, Purposes: []KantaraPurpose{kp}}}
	return k, nil
}

// words makes an enum name read as words: CHANNEL_WEB is "web".
func words(name, prefix string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, prefix)), "_", " ")
}

// checkKantara compares a Kantara receipt with the proven event.
func checkKantara(k *Kantara, ev *eventsv1.Event) []string {
	var problems []string
	check := func(field string, ok bool) {
		if !ok {
			problems = append(problems, field)
		}
	}
	given := ev.GetConsentGiven()
	check("consentReceiptID", k.ConsentReceiptID == ev.GetEventId())
	check("piiPrincipalId", k.PIIPrincipalID == ev.GetSubjectRef())
	check("consentTimestamp", k.ConsentTimestamp == ev.GetOccurredAt().AsTime().Unix())
	check("services", given != nil && len(k.Services) == 1 && len(k.Services[0].Purposes) == 1 &&
		k.Services[0].Purposes[0].Purpose == given.GetPurpose())
	check("version", k.Version == KantaraVersion)
	if given != nil && len(given.GetCategories()) > 0 && len(k.Services) == 1 && len(k.Services[0].Purposes) == 1 {
		got := slices.Sorted(slices.Values(k.Services[0].Purposes[0].PIICategory))
		want := slices.Compact(slices.Sorted(slices.Values(given.GetCategories())))
		check("piiCategory", slices.Equal(got, want))
	}
	return problems
}
