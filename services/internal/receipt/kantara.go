package receipt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// ErrNoController: a receipt names the controller of the tenant's
	// profile (ControllerProfileDeclared) as of the consent, and the tenant
	// declared none by then.
	ErrNoController = errors.New("the tenant declared no controller profile as of the consent (ControllerProfileDeclared)")
	// ErrIncompleteProfile: the controller profile as of the consent lacks
	// what the receipt must name (the error names the fields).
	ErrIncompleteProfile = errors.New("the controller profile as of the consent lacks what the receipt names")
	// ErrWithdrawal: Kantara CR v1.1 records consent given; a withdrawal
	// has the ISO/IEC TS 27560 form only.
	ErrWithdrawal = errors.New("a Kantara Consent Receipt v1.1 records consent given; a withdrawal has the ISO/IEC TS 27560 form only")
)

// ready tells whether the profile has what a receipt of form requires of
// the controller: the DPV profile's party_name, party_address,
// party_contact and the jurisdiction; Kantara v1.1 also requires an email
// and a phone.
func ready(id *identity, form string) error {
	p := id.profile
	contact := id.email
	if contact == "" {
		contact = p.GetContactUrl()
	}
	fields := []struct{ name, v string }{
		{"name", p.GetName()}, {"address", p.GetAddress()}, {"member_state", p.GetMemberState()}, {"contact_email or contact_url", contact},
	}
	if form == FormKantara {
		fields = append(fields, struct{ name, v string }{"contact_email", id.email}, struct{ name, v string }{"contact_phone", id.phone})
	}
	var missing []string
	for _, f := range fields {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the receipt needs the profile's %s", ErrIncompleteProfile, strings.Join(missing, ", "))
	}
	return nil
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
// the catalogue says of the purpose), to the Kantara v1.1 structure. The
// GDPR knows no implied consent (Art. 4(11), Recital 32; CJEU C-673/17
// Planet49): every consent it records is EXPLICIT in Kantara's terms,
// whatever the method.
func kantara(ev *eventsv1.Event, iso *Receipt, id *identity, n *notice, publicKey string) (*Kantara, error) {
	given := ev.GetConsentGiven()
	if given == nil {
		return nil, ErrWithdrawal
	}
	w := wordingFor(iso.PIIProcessing.Language)
	pr := id.profile
	policy := pr.GetContactUrl()
	if n != nil && n.url != "" {
		policy = n.url
	}
	k := &Kantara{
		Version: KantaraVersion, Jurisdiction: pr.GetMemberState(), ConsentTimestamp: ev.GetOccurredAt().AsTime().Unix(),
		CollectionMethod: w.method(given.GetMethod(), given.GetChannel()), ConsentReceiptID: ev.GetEventId(), PublicKey: publicKey,
		Language: w.lang, PIIPrincipalID: ev.GetSubjectRef(),
		PIIControllers: []KantaraController{{PIIController: pr.GetName(), Contact: w.say(contactText), Address: pr.GetAddress(), Email: id.email,
			Phone: id.phone, PIIControllerURL: pr.GetContactUrl()}},
		PolicyURL: policy, SPICat: []string{},
	}
	for i, p := range iso.PIIProcessing.Purposes {
		kp := KantaraPurpose{Purpose: p.Purpose, PurposeCategory: []string{p.PurposeType}, ConsentType: "EXPLICIT",
			PrimaryPurpose: i == 0, Termination: w.kept(p.RetentionPeriod, p.WithdrawalMethod), PIICategory: []string{}}
		if p.RetentionPeriod == "" {
			kp.Termination = p.WithdrawalMethod
		}
		for _, c := range p.PIIInformation {
			kp.PIICategory = append(kp.PIICategory, c.PIIType)
			if c.Sensitive {
				k.Sensitive = true
				if !slices.Contains(k.SPICat, c.PIIType) {
					k.SPICat = append(k.SPICat, c.PIIType)
				}
			}
		}
		if len(p.Recipients) > 0 {
			kp.ThirdPartyDisclosure, kp.ThirdPartyName = true, strings.Join(p.Recipients, ", ")
		}
		service := strings.Join(p.Services, ", ")
		if service == "" {
			service = p.Purpose
		}
		k.Services = append(k.Services, KantaraService{Service: service, Purposes: []KantaraPurpose{kp}})
	}
	return k, nil
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
	check("services", given != nil && len(k.Services) > 0 && !slices.ContainsFunc(k.Services, func(s KantaraService) bool {
		return len(s.Purposes) != 1 || s.Purposes[0].Purpose != given.GetPurpose()
	}))
	check("version", k.Version == KantaraVersion)
	if given != nil && len(given.GetCategories()) > 0 {
		want := slices.Compact(slices.Sorted(slices.Values(given.GetCategories())))
		for _, s := range k.Services {
			for _, p := range s.Purposes {
				check("piiCategory", slices.Equal(slices.Sorted(slices.Values(p.PIICategory)), want))
			}
		}
	}
	return problems
}
