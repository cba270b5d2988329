package streamgen

import (
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// The fixed vocabulary streams are drawn from. Every taxonomy key here is
// one events/taxonomy knows (the package's test checks each).

var tenantNames = []string{"acme", "harbourline", "globex-eu", "initech"}

// template is a processing activity a tenant may declare.
type template struct {
	id, name   string
	purposes   []string
	categories []string
	subjects   []string
	basis      eventsv1.LegalBasis
	condition  eventsv1.LegalBasis
	days       uint32
	trigger    string
	clock      eventsv1.RetentionTrigger
	keyGroup   string
	recipients []*eventsv1.Recipient
}

var (
	rcpHosting = &eventsv1.Recipient{Id: "cloud-hosting", Name: "Cloud Hosting SE", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	rcpMailing = &eventsv1.Recipient{Id: "mailing-platform", Name: "Mailing Platform Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	rcpPayments = &eventsv1.Recipient{Id: "payments-inc", Name: "Payments Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES}
	rcpTax = &eventsv1.Recipient{Id: "tax-office", Name: "Federal Tax Office", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
	rcpAnalytics = &eventsv1.Recipient{Id: "analytics-co", Name: "Analytics Co", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION}
	rcpInsurer = &eventsv1.Recipient{Id: "insurer", Name: "Mutual Insurer plc", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER,
		Country: "GB", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION}
	rcpHelpdesk = &eventsv1.Recipient{Id: "helpdesk-bpo", Name: "Helpdesk BPO Pvt Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "IN", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_BINDING_CORPORATE_RULES}
	rcpAdPartner = &eventsv1.Recipient{Id: "ad-partner", Name: "Ad Partner BV", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY,
		Country: "NL", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE}
)

// templates: the first two are declared by every tenant.
var templates = []template{
	{
		id: "account", name: "Customer account",
		purposes:   []string{"essential.service", "essential.service.authentication"},
		categories: []string{"user.contact.email", "user.name.first", "user.name.last", "user.account.username"},
		subjects:   []string{"customer"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		trigger:    "end of contract", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED, days: 365,
		recipients: []*eventsv1.Recipient{rcpHosting},
	},
	{
		id: "newsletter", name: "E-mail newsletter",
		purposes:   []string{"marketing.communications.email"},
		categories: []string{"user.contact.email", "user.name.first"},
		subjects:   []string{"customer", "prospect"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
		trigger:    "collection", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION, days: 120,
		keyGroup:   "marketing",
		recipients: []*eventsv1.Recipient{rcpMailing, rcpAdPartner},
	},
	{
		id: "billing", name: "Invoicing and bookkeeping",
		purposes:   []string{"essential.service.payment_processing", "finance"},
		categories: []string{"user.financial.bank_account", "user.contact.address.street", "user.contact.address.postal_code", "user.name.last"},
		subjects:   []string{"customer"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
		trigger:    "end of contract", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED, days: 3650,
		keyGroup:   "tax",
		recipients: []*eventsv1.Recipient{rcpPayments, rcpTax},
	},
	{
		id: "web-analytics", name: "Web analytics",
		purposes:   []string{"analytics.reporting.ad_performance", "functional.service.improve"},
		categories: []string{"user.device.ip_address", "user.device.cookie_id", "user.behavior.browsing_history"},
		subjects:   []string{"customer", "visitor"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
		trigger:    "collection", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION, days: 60,
		recipients: []*eventsv1.Recipient{rcpAnalytics},
	},
	{
		id: "wellness", name: "Wellness programme",
		purposes:   []string{"personalize.content.profiled"},
		categories: []string{"user.health_and_medical", "user.demographic.date_of_birth", "user.contact.email"},
		subjects:   []string{"customer"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
		condition:  eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT,
		trigger:    "collection", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION, days: 30,
		keyGroup:   "health",
		recipients: []*eventsv1.Recipient{rcpInsurer},
	},
	{
		id: "support", name: "Customer support",
		purposes:   []string{"essential.service.operations.support", "marketing.advertising.first_party.targeted"},
		categories: []string{"user.contact.phone_number", "user.content.private", "user.contact.email"},
		subjects:   []string{"customer", "prospect"},
		basis:      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
		trigger:    "collection", clock: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION, days: 90,
		recipients: []*eventsv1.Recipient{rcpHelpdesk},
	},
}

// extraPurposes are purposes an amendment adds, or a source claims
// without the catalogue declaring them.
var extraPurposes = []string{"marketing.advertising.profiling", "analytics.reporting.campaign_insights", "train_ai_system", "sales"}

// objectablePurposes are what objections and restrictions name: parents
// cover the purposes below them.
var objectablePurposes = []string{"marketing", "marketing.communications.email", "analytics.reporting", "functional.service.improve", "marketing.advertising.first_party.targeted"}

// The other keys the generator draws.
var (
	breachCategories          = []string{"user.contact.email", "user.name.first", "user.financial.bank_account", "user.authorization.credentials"}
	restrictionCategories     = []string{"user.contact", "user.contact.email", "user.device"}
	undeclaredSpecialCategory = "user.demographic.religious_belief"
	// criminalCategory is criminal-offence data (Art. 10), which no
	// activity declares and no event gives a basis for.
	criminalCategory = "user.criminal_history"
	fallbackPurpose  = "marketing.communications.email"
	fallbackCategory = "user.contact.email"
	authorityPurpose = "essential.legal_obligation"
)
