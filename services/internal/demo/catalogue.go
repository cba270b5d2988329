package demo

import (
	"crypto/sha256"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// The company behind the demo data set is fictional: Harbourline Backup Ltd,
// a small Irish maker of backup software sold by subscription. Every
// organisation named in this file is invented.

// Key groups the company seals values under.
const (
	kgDefault   = "default"
	kgTax       = "tax"
	kgMarketing = "marketing"
	kgHR        = "hr"
)

// Activity ids of the processing catalogue.
const (
	actEnquiries      = "web-enquiries"
	actAccounts       = "customer-accounts"
	actBilling        = "billing-payments"
	actTax            = "tax-accounting"
	actSupport        = "customer-support"
	actFraud          = "fraud-and-claims"
	actNewsletter     = "newsletter"
	actProductUpdates = "product-updates"
	actAnalytics      = "web-analytics"
	actTelemetry      = "product-telemetry"
	actAuthorities    = "authority-disclosures"
	actStaffRecords   = "staff-records"
	actStaffSickness  = "staff-sickness"
	// actStaffVetting is declared without an Art. 10 basis: HR records the
	// basis on each check, and a check recorded without it is a planted
	// problem.
	actStaffVetting = "staff-vetting"
	// actProspecting is never declared: sales staff copying enquirers into
	// a prospecting sheet is a planted problem.
	actProspecting = "sales-prospecting"
)

// Fideslang data categories used by the demo.
const (
	catFirstName   = "user.name.first"
	catLastName    = "user.name.last"
	catEmail       = "user.contact.email"
	catPhone       = "user.contact.phone_number"
	catStreet      = "user.contact.address.street"
	catCity        = "user.contact.address.city"
	catPostalCode  = "user.contact.address.postal_code"
	catCountry     = "user.contact.address.country"
	catWorkplace   = "user.workplace"
	catBankAccount = "user.financial.bank_account"
	catCard        = "user.financial.credit_card"
	catPayment     = "user.payment"
	catUsername    = "user.account.username"
	catUniqueID    = "user.unique_id"
	catCookieID    = "user.device.cookie_id"
	catIP          = "user.device.ip_address"
	catBrowsing    = "user.behavior.browsing_history"
	catPurchases   = "user.behavior.purchase_history"
	catAgeRange    = "user.demographic.age_range"
	catBirthDate   = "user.demographic.date_of_birth"
	catPrivate     = "user.content.private"
	catHealth      = "user.health_and_medical"
	catCredentials = "user.authorization.credentials"
	catCriminal    = "user.criminal_history"
)

// Fideslang data uses used by the demo.
const (
	useService        = "essential.service"
	usePayment        = "essential.service.payment_processing"
	useAuthentication = "essential.service.authentication"
	useSecurity       = "essential.service.security"
	useFraud          = "essential.fraud_detection"
	useLegal          = "essential.legal_obligation"
	useSupport        = "operations.support"
	useEmailMarketing = "marketing.communications.email"
	useTargetedAds    = "marketing.advertising.third_party.targeted"
	useAdPerformance  = "analytics.reporting.ad_performance"
	useContentPerf    = "analytics.reporting.content_performance"
	useImprove        = "functional.service.improve"
	useFinance        = "finance"
)

// Recipient ids.
const (
	rcpMailing   = "postwave-mail"
	rcpAnalytics = "metricsfield"
	rcpPayments  = "tillbridge-payments"
	rcpTax       = "ledgerwise-tax"
	rcpPolice    = "regional-police"
	rcpStorage   = "northvault-storage"
	rcpUndecl    = "brightlane-events"
	rcpSupport   = "sahyadri-support"
	rcpClaims    = "meridian-claims"
)

// The mailing platform that sends the newsletter and product updates.
func recipientMailing() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpMailing, Name: "Postwave Mail Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES,
	}
}

// The web analytics and ad-conversion company. Until the catalogue
// amendment it processes in the United States under the adequacy decision
// for the US (2023/1795), which covers it because it is certified under the
// EU-US Data Privacy Framework (dpf_certified); afterwards in its data
// centre in Ireland, with no transfer.
func recipientAnalytics(inEEA bool) *eventsv1.Recipient {
	if inEEA {
		return &eventsv1.Recipient{
			Id: rcpAnalytics, Name: "Metricsfield Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY,
			Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
		}
	}
	return &eventsv1.Recipient{
		Id: rcpAnalytics, Name: "Metricsfield Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION, DpfCertified: true,
	}
}

// recipientClaims is the US law firm that pursues chargeback disputes
// before US card issuers, a controller of its own: the transfer relies on
// the Art. 49(1)(e) derogation (legal claims), not on safeguards.
func recipientClaims() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpClaims, Name: "Meridian Claims LLP", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER,
		Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49,
		Art49Derogation: eventsv1.Art49Derogation_ART49_DEROGATION_LEGAL_CLAIMS,
	}
}

// recipientSupport is the overflow support desk in India that answers some
// enquiries. The catalogue declares the transfer under an adequacy decision
// India does not have: every disclosure to it is a planted problem.
func recipientSupport() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpSupport, Name: "Sahyadri Support Services Pvt Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "IN", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION,
	}
}

func recipientPayments() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpPayments, Name: "Tillbridge Payments B.V.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "NL", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
	}
}

func recipientTax() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpTax, Name: "Ledgerwise Tax Partners", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER,
		Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
	}
}

func recipientPolice() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpPolice, Name: "Regional Police Directorate", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY,
		Country: "IE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
	}
}

func recipientStorage() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpStorage, Name: "Northvault Storage GmbH", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
		Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE,
	}
}

// recipientUndeclared is an events company no activity declares: disclosures
// to it are planted problems.
func recipientUndeclared() *eventsv1.Recipient {
	return &eventsv1.Recipient{
		Id: rcpUndecl, Name: "Brightlane Events Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY,
		Country: "GB", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION,
	}
}

const (
	liaEnquiries = "LIA-2024-03 enquiry handling"
	liaFraud     = "LIA-2024-05 fraud, security and legal claims"
	liaUpdates   = "LIA-2024-07 product update emails to customers"
	liaTelemetry = "LIA-2024-08 product usage statistics"
	liaVetting   = "LIA-2024-09 vetting of staff with access to customer systems"
)

// catalogue is the processing catalogue as first declared, in declaration
// order.
func catalogue() []*eventsv1.ProcessingActivity {
	return []*eventsv1.ProcessingActivity{
		{
			ActivityId: actEnquiries,
			Name:       "Answering contact and download requests from the website",
			Purposes:   []string{useSupport, useService},
			DataCategories: []string{catFirstName, catLastName, catEmail, catPhone, catWorkplace, catCountry,
				catAgeRange},
			DataSubjects:                    []string{"prospect", "visitor"},
			LegalBasis:                      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Retention:                       &eventsv1.Retention{Days: enquiryRetentionDays, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:                        kgDefault,
			LegitimateInterestAssessmentRef: liaEnquiries,
			LegitimateInterest:              "answering the questions people send us about our products and services, and following up on them",
			Recipients:                      []*eventsv1.Recipient{recipientSupport()},
		},
		{
			ActivityId: actAccounts,
			Name:       "Customer accounts and backup service contracts",
			Purposes:   []string{useService, useAuthentication},
			DataCategories: []string{catFirstName, catLastName, catEmail, catPhone, catStreet, catCity,
				catPostalCode, catCountry, catWorkplace, catUsername, catCredentials, catUniqueID, catPrivate},
			DataSubjects: []string{"customer"},
			LegalBasis:   eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Recipients:   []*eventsv1.Recipient{recipientStorage()},
			Retention: &eventsv1.Retention{Days: accountRetentionDays, Trigger: "account closed",
				TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED},
			KeyGroup: kgDefault,
		},
		{
			ActivityId:     actBilling,
			Name:           "Taking subscription payments",
			Purposes:       []string{usePayment},
			DataCategories: []string{catFirstName, catLastName, catCard, catPayment, catPurchases},
			DataSubjects:   []string{"customer"},
			LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Recipients:     []*eventsv1.Recipient{recipientPayments()},
			Retention: &eventsv1.Retention{Days: billingRetentionDays, Trigger: "account closed",
				TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED},
			KeyGroup: kgDefault,
		},
		{
			ActivityId: actTax,
			Name:       "Invoices, bookkeeping and tax returns",
			Purposes:   []string{useFinance, useLegal},
			DataCategories: []string{catFirstName, catLastName, catStreet, catCity, catPostalCode, catCountry,
				catWorkplace, catBankAccount, catPayment, catPurchases},
			DataSubjects: []string{"customer"},
			LegalBasis:   eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
			Recipients:   []*eventsv1.Recipient{recipientTax()},
			Retention:    &eventsv1.Retention{Days: 2190, Trigger: "account closed (six years, tax law)", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED},
			KeyGroup:     kgTax,
		},
		{
			ActivityId:     actSupport,
			Name:           "Customer support tickets",
			Purposes:       []string{useSupport},
			DataCategories: []string{catFirstName, catEmail, catUniqueID, catPrivate},
			DataSubjects:   []string{"customer", "prospect"},
			LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Retention:      &eventsv1.Retention{Days: 730, Trigger: "ticket opened", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:       kgDefault,
		},
		{
			ActivityId:                      actFraud,
			Name:                            "Fraud prevention, abuse protection and legal claims",
			Purposes:                        []string{useFraud, useSecurity},
			DataCategories:                  []string{catIP, catUniqueID, catPayment, catPurchases},
			DataSubjects:                    []string{"customer", "anonymous_user"},
			LegalBasis:                      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Recipients:                      []*eventsv1.Recipient{recipientPolice(), recipientClaims()},
			Retention:                       &eventsv1.Retention{Days: 400, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:                        kgDefault,
			LegitimateInterestAssessmentRef: liaFraud,
			LegitimateInterest:              "preventing payment fraud and abuse of our service, and establishing or defending legal claims",
			AutomatedLogic:                  "the risk engine scores each sign-up and payment from the device, the IP address and the payment pattern; a score over the threshold blocks the payment or suspends the account, and staff review every suspension on request",
			// The risk engine scores every sign-up and opens or refuses the
			// account on its own (Art. 22).
			Profiling:         true,
			AutomatedDecision: eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT,
		},
		{
			ActivityId:     actNewsletter,
			Name:           "Monthly newsletter for subscribers",
			Purposes:       []string{useEmailMarketing},
			DataCategories: []string{catFirstName, catEmail},
			DataSubjects:   []string{"prospect", "customer"},
			LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			Recipients:     []*eventsv1.Recipient{recipientMailing()},
			Retention:      &eventsv1.Retention{Days: newsletterRetentionDays, Trigger: "consent withdrawn", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_CONSENT_WITHDRAWN},
			KeyGroup:       kgMarketing,
		},
		{
			ActivityId:                      actProductUpdates,
			Name:                            "Product and release announcements to existing customers",
			Purposes:                        []string{useEmailMarketing},
			DataCategories:                  []string{catFirstName, catEmail},
			DataSubjects:                    []string{"customer"},
			LegalBasis:                      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Recipients:                      []*eventsv1.Recipient{recipientMailing()},
			Retention:                       &eventsv1.Retention{Days: 30, Trigger: "objection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_OBJECTION_UPHELD},
			KeyGroup:                        kgMarketing,
			LegitimateInterestAssessmentRef: liaUpdates,
			LegitimateInterest:              "telling our customers about changes and new features of the product they use",
		},
		{
			ActivityId:     actAnalytics,
			Name:           "Website statistics and advertising conversion cookies",
			Purposes:       []string{useAdPerformance, useContentPerf, useTargetedAds},
			DataCategories: []string{catCookieID, catIP, catBrowsing},
			DataSubjects:   []string{"visitor", "prospect", "customer"},
			LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT,
			Recipients:     []*eventsv1.Recipient{recipientAnalytics(false)},
			Retention:      &eventsv1.Retention{Days: analyticsRetentionDays, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:       kgMarketing,
		},
		{
			ActivityId:                      actTelemetry,
			Name:                            "Usage statistics sent by the backup client",
			Purposes:                        []string{useImprove},
			DataCategories:                  []string{catUniqueID, catIP},
			DataSubjects:                    []string{"customer"},
			LegalBasis:                      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Retention:                       &eventsv1.Retention{Days: 400, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:                        kgDefault,
			LegitimateInterestAssessmentRef: liaTelemetry,
			LegitimateInterest:              "keeping the backup software reliable and fixing the faults it reports",
		},
		{
			ActivityId:     actAuthorities,
			Name:           "Answering orders of courts and public authorities",
			Purposes:       []string{useLegal},
			DataCategories: []string{catFirstName, catLastName, catEmail, catStreet, catCity, catIP, catPayment},
			DataSubjects:   []string{"customer"},
			LegalBasis:     eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
			Recipients:     []*eventsv1.Recipient{recipientPolice()},
			Retention:      &eventsv1.Retention{Days: 2190, Trigger: "the order", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:       kgDefault,
		},
		{
			ActivityId: actStaffRecords,
			Name:       "Staff contracts and payroll",
			Purposes:   []string{useFinance},
			DataCategories: []string{catFirstName, catLastName, catStreet, catCity, catPostalCode, catBankAccount,
				catBirthDate},
			DataSubjects: []string{"employee"},
			LegalBasis:   eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
			Retention:    &eventsv1.Retention{Days: 2190, Trigger: "end of employment", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_RELATIONSHIP_ENDED},
			KeyGroup:     kgHR,
		},
		{
			ActivityId:               actStaffSickness,
			Name:                     "Sickness absence records for statutory sick pay",
			Purposes:                 []string{useLegal},
			DataCategories:           []string{catFirstName, catLastName, catHealth},
			DataSubjects:             []string{"employee"},
			LegalBasis:               eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION,
			SpecialCategoryCondition: eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_B_EMPLOYMENT_SOCIAL_SECURITY,
			Retention:                &eventsv1.Retention{Days: 1460, Trigger: "the absence record", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:                 kgHR,
		},
		{
			// No criminal_data_basis: the catalogue leaves it out, HR's
			// vetting form records it on each check.
			ActivityId:                      actStaffVetting,
			Name:                            "Criminal record checks of staff with access to customer systems",
			Purposes:                        []string{useSecurity},
			DataCategories:                  []string{catFirstName, catLastName, catCriminal},
			DataSubjects:                    []string{"employee"},
			LegalBasis:                      eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS,
			Retention:                       &eventsv1.Retention{Days: 400, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION},
			KeyGroup:                        kgHR,
			LegitimateInterestAssessmentRef: liaVetting,
			LegitimateInterest:              "protecting our customers' backups from staff who could misuse access to them",
		},
	}
}

// amendedAnalytics is the analytics activity after Metricsfield moved its
// processing to Ireland: same processing, no transfer.
func amendedAnalytics() *eventsv1.ProcessingActivity {
	for _, a := range catalogue() {
		if a.GetActivityId() == actAnalytics {
			a.Recipients = []*eventsv1.Recipient{recipientAnalytics(true)}
			return a
		}
	}
	panic("demo: analytics activity missing from the catalogue")
}

const amendmentReason = "Metricsfield Inc. now processes our visitors' data in its data centre in Ireland; " +
	"no transfer outside the EEA, the standard contractual clauses end."

const (
	enquiryRetentionDays   = 180
	analyticsRetentionDays = 120
	// Accounts are kept a year after the account closed (claims), card
	// details 90 days (chargebacks), newsletter addresses 30 days after the
	// consent was withdrawn (to honour the unsubscription).
	accountRetentionDays    = 365
	billingRetentionDays    = 90
	newsletterRetentionDays = 30
	// analyticsVisitDays bounds the visits recorded under one cookie consent,
	// so that all of them expire together.
	analyticsVisitDays = 100
)

// activityKeyGroup returns the key group an activity seals under.
func activityKeyGroup(id string) string {
	switch id {
	case actTax:
		return kgTax
	case actNewsletter, actProductUpdates, actAnalytics:
		return kgMarketing
	case actStaffRecords, actStaffSickness, actStaffVetting:
		return kgHR
	}
	return kgDefault
}

// notice is one published version of a privacy notice.
type notice struct {
	id, version, language, url, text string
}

func (n notice) sha() []byte {
	s := sha256.Sum256([]byte(n.text))
	return s[:]
}

var (
	privacyNoticeV1 = notice{"privacy-notice", "2025-01", "en", "https://harbourline.example.com/legal/privacy/2025-01", privacyTextV1}
	cookieNoticeV1  = notice{"cookie-notice", "2025-01", "en", "https://harbourline.example.com/legal/cookies/2025-01", cookieTextV1}
	cookieNoticeV2  = notice{"cookie-notice", "2025-07", "en", "https://harbourline.example.com/legal/cookies/2025-07", cookieTextV2}
)

const privacyTextV1 = `Harbourline Backup Ltd - how we handle personal data (version 2025-01)

Who we are. Harbourline Backup Ltd (fictional) makes backup software for
homes and small offices and is the controller for the data described here.

What we collect. When you send us a question, download a trial or open an
account we ask for your name, email address and, where you choose to give
them, a phone number, your organisation, your postal address and what you
need for payment and invoices. Our backup client sends us usage statistics
that identify your installation but not the files you back up, which are
encrypted before they leave your machine.

Why, and on which ground.
- Running your account and your subscription, taking payment and answering
  support tickets: the contract with you (GDPR Art. 6(1)(b)).
- Keeping invoices and books and filing tax returns: our legal obligations
  (Art. 6(1)(c)).
- Preventing fraud and abuse, protecting our systems and dealing with legal
  claims, answering enquiries from people who are not yet customers, sending
  product announcements to customers and improving the software from usage
  statistics: our legitimate interests (Art. 6(1)(f)); you may object at any
  time.
- Our newsletter and the statistics and advertising cookies on our website:
  only with your consent (Art. 6(1)(a)), which you can withdraw at any time.

Automated decisions. When you open an account our risk engine checks the
sign-up against patterns of fraud (profiling) and opens or refuses the
account on its own, as is necessary to enter into the contract with you
(Art. 22(2)(a)). You may ask for a person to review the decision, give your
point of view and contest it.

Who receives it. A mailing service in the United States sends our emails
under standard contractual clauses; a payment service in the Netherlands
handles card payments; a storage provider in Germany hosts encrypted
backups; our tax advisers receive invoice records; a web analytics company
in the United States receives cookie data if you accept those cookies; a
support desk in India answers some of the questions sent from our website.
We disclose data to courts and authorities only when an order obliges us to.
We do not sell personal data.

Children. Our services are not meant for children under 13. If we learn
that we hold such data without the consent of a parent, we delete it.

How long. Enquiries are deleted six months after we receive them, cookie
data after four months. Account data is kept until you ask us to delete it;
accounting records for six years after the end of the financial year.

Your rights. You may ask for access to your data, a copy in a portable
format, correction, deletion, restriction of processing, and object to
processing based on our legitimate interests. We answer within one month,
which we may extend by two months for complex requests and tell you so. You
may complain to a supervisory authority.
`

const cookieTextV1 = `Harbourline Backup Ltd - cookies on our website (version 2025-01)

Necessary cookies keep you signed in and remember your choices; they need
no consent. With your consent we also set:
- statistics cookies, so that Metricsfield Inc. can tell us which pages are
  read and how visitors move through the site;
- conversion cookies, so that Metricsfield Inc. can measure which
  advertisements brought you to us and show you our advertisements
  elsewhere.
Metricsfield Inc. processes this data in the United States under standard
contractual clauses. We keep cookie data for four months. You can change
your choice at any time from the link at the foot of every page.
`

const cookieTextV2 = `Harbourline Backup Ltd - cookies on our website (version 2025-07)

Necessary cookies keep you signed in and remember your choices; they need
no consent. With your consent we also set:
- statistics cookies, so that Metricsfield Inc. can tell us which pages are
  read and how visitors move through the site;
- conversion cookies, so that Metricsfield Inc. can measure which
  advertisements brought you to us and show you our advertisements
  elsewhere.
Metricsfield Inc. processes this data in its data centre in Ireland: it
does not leave the European Economic Area. We keep cookie data for four
months. You can change your choice at any time from the link at the foot of
every page.
`

// controllerProfile is the company's ControllerProfileDeclared, which
// every document takes the controller's identity from: Irish, in Dublin, so
// its periods end in Dublin's time (UTC+1 from the last Sunday of March to
// the last Sunday of October: a request received after 23:00 UTC in summer
// is received the next day) and its age of digital consent is Ireland's,
// 16 (Data Protection Act 2018, s. 31). Established in the Union, it
// needs no Art. 27 representative, and it has none; it processes with
// nobody as a joint controller. Its security measures (Art. 30(1)(g),
// 32(1)) are what Docket and the company do. Fictional throughout.
func controllerProfile() *eventsv1.ControllerProfile {
	return &eventsv1.ControllerProfile{
		Name:                    "Harbourline Backup Ltd",
		Address:                 "4 Sir John Rogerson's Quay, Dublin 2, Ireland",
		ContactUrl:              "https://harbourline.example.com/privacy/contact",
		DpoContactUrl:           "https://harbourline.example.com/privacy/dpo",
		SupervisoryAuthority:    "Data Protection Commission",
		SupervisoryAuthorityUrl: "https://www.dataprotection.ie",
		TimeZone:                "Europe/Dublin",
		MemberState:             "IE",
		Languages:               []string{"en-IE", "ga"},
		// Sealed under the tenant key on receipt; the receipts name them.
		ContactEmail: "privacy@harbourline.example.com",
		ContactPhone: "+353 1 555 0142",
		DpoEmail:     "dpo@harbourline.example.com",
		SecurityMeasures: []string{
			"Personal data is sealed with AES-256-GCM before it is stored, under a data key per customer and key group (envelope encryption); the key-encryption key is held by the ledger's server only",
			"Erasure destroys the customer's data key (crypto-shredding), so the values become unreadable in every copy and backup of the log",
			"The processing log is append-only, with signed Merkle checkpoints that make a deleted or rewritten entry detectable",
			"Access to the ledger is by role-based API tokens bound to one tenant, over TLS; the console's sessions are CSRF-protected",
			"Logs, metrics and error messages carry pseudonymous references and taxonomy keys only, never personal data",
			"Customer backups are encrypted on the customer's device before upload; staff cannot read them",
			"Staff access is on a need-to-know basis, reviewed quarterly, with confidentiality undertakings",
		},
	}
}
