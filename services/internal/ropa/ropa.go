// Package ropa turns the record of processing the query API returns into
// the document Art. 30 asks for, to hand to a supervisory authority on
// request (Art. 30(4)): the controller's record (Art. 30(1)(a)–(g)) and the
// record of what it processes as a processor for others (Art. 30(2)), as
// of a date, in HTML to print, CSV and JSON.
package ropa

import (
	"errors"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Schema names the JSON form's shape.
const Schema = "docket.ropa.v1"

// Document is the record of processing as of a time.
type Document struct {
	Schema string    `json:"schema"`
	Tenant string    `json:"tenant"`
	AsOf   time.Time `json:"as_of"`
	// Axis is the clock AsOf reads: "occurred" or "recorded".
	Axis string `json:"axis"`
	// Controller is Art. 30(1)(a); nil when no profile was declared by
	// AsOf.
	Controller *Controller `json:"controller"`
	// Activities are the controller's own (Art. 30(1)(b)–(f)), by id.
	Activities []Activity `json:"activities"`
	// Processor are the activities carried out as a processor on behalf
	// of another controller (Art. 30(2)), by id.
	Processor []ProcessorActivity `json:"processor_activities"`
	// SecurityMeasures are Art. 30(1)(g) and 30(2)(d), from the profile.
	SecurityMeasures []string `json:"security_measures"`
	// Drift is what events show was processed but no activity declared.
	Drift []Drift `json:"drift"`
}

// Controller is who is responsible (Art. 30(1)(a)).
type Controller struct {
	Name                    string   `json:"name"`
	Address                 string   `json:"address,omitempty"`
	ContactURL              string   `json:"contact_url,omitempty"`
	ContactEmail            string   `json:"contact_email,omitempty"`
	ContactPhone            string   `json:"contact_phone,omitempty"`
	DPOContactURL           string   `json:"dpo_contact_url,omitempty"`
	DPOEmail                string   `json:"dpo_email,omitempty"`
	JointControllers        []Party  `json:"joint_controllers"`
	Representative          *Party   `json:"representative,omitempty"`
	SupervisoryAuthority    string   `json:"supervisory_authority,omitempty"`
	SupervisoryAuthorityURL string   `json:"supervisory_authority_url,omitempty"`
	MemberState             string   `json:"member_state,omitempty"`
	TimeZone                string   `json:"time_zone"`
	Languages               []string `json:"languages"`
	DigitalConsentAge       uint32   `json:"digital_consent_age,omitempty"`
}

// EstablishedInUnion tells whether the controller's main establishment is
// in the EEA, where Art. 27 asks for no representative.
func (c *Controller) EstablishedInUnion() bool {
	return c != nil && taxonomy.InEEA(c.MemberState)
}

// Party is a joint controller, a representative or a controller processed
// for.
type Party struct {
	Name           string `json:"name"`
	Address        string `json:"address,omitempty"`
	ContactURL     string `json:"contact_url,omitempty"`
	Country        string `json:"country,omitempty"`
	ArrangementURL string `json:"arrangement_url,omitempty"`
}

// Activity is one entry of the controller's record.
type Activity struct {
	ID       string   `json:"activity_id"`
	Name     string   `json:"name"`
	Purposes []string `json:"purposes"`
	// LegalBasis is an Art. 6(1) enum name.
	LegalBasis string `json:"legal_basis"`
	// SpecialCategoryCondition is the Art. 9(2) condition's enum name.
	SpecialCategoryCondition string      `json:"special_category_condition,omitempty"`
	CriminalDataBasis        string      `json:"criminal_data_basis,omitempty"`
	LegitimateInterestRef    string      `json:"legitimate_interest_assessment_ref,omitempty"`
	LegitimateInterest       string      `json:"legitimate_interest,omitempty"`
	DataSubjects             []string    `json:"data_subjects"`
	DataCategories           []string    `json:"data_categories"`
	Recipients               []Recipient `json:"recipients"`
	// Transfers are the recipients outside the EEA (Art. 30(1)(e)).
	Transfers []Recipient `json:"transfers"`
	Retention Retention   `json:"retention"`
	KeyGroup  string      `json:"key_group,omitempty"`
	Profiling bool        `json:"profiling"`
	// AutomatedDecision is an enum name; empty for none.
	AutomatedDecision string `json:"automated_decision,omitempty"`
	AutomatedLogic    string `json:"automated_logic,omitempty"`
}

// Recipient is a recipient of an activity (Art. 30(1)(d)), with its
// transfer safeguard when it is in a third country (Art. 30(1)(e)).
type Recipient struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Kind              string `json:"kind"`
	Country           string `json:"country"`
	ThirdCountry      bool   `json:"third_country"`
	TransferMechanism string `json:"transfer_mechanism,omitempty"`
	DPFCertified      bool   `json:"dpf_certified,omitempty"`
	Art49Derogation   string `json:"art49_derogation,omitempty"`
	SafeguardsURL     string `json:"safeguards_url,omitempty"`
}

// Retention is the time limit for erasure (Art. 30(1)(f)).
type Retention struct {
	Days uint32 `json:"days"`
	// Trigger is what starts the clock, in words.
	Trigger string `json:"trigger"`
	// TriggerEvent is the event the ledger keeps the clock by.
	TriggerEvent string `json:"trigger_event,omitempty"`
}

// ProcessorActivity is one entry of the Art. 30(2) record.
type ProcessorActivity struct {
	ID   string `json:"activity_id"`
	Name string `json:"name"`
	// For is the controller processed for (Art. 30(2)(a)).
	For Party `json:"controller"`
	// Purposes are the categories of processing (Art. 30(2)(b)).
	Purposes       []string    `json:"categories_of_processing"`
	DataSubjects   []string    `json:"data_subjects"`
	DataCategories []string    `json:"data_categories"`
	Transfers      []Recipient `json:"transfers"`
}

// Drift is a key events show that no activity declared.
type Drift struct {
	Kind       string    `json:"kind"`
	Key        string    `json:"key"`
	FirstSeen  time.Time `json:"first_seen"`
	FirstEvent string    `json:"first_event_id"`
}

// Build assembles the document from the API's answer at asOf (the time
// the record was asked for: the query's as_of, or now). The profile's
// sealed contacts must already be open (the API opens them into
// contact_email, contact_phone and dpo_email).
func Build(tenant string, asOf time.Time, axis apiv1.TimeAxis, r *apiv1.GetRecordOfProcessingResponse) (*Document, error) {
	if r == nil {
		return nil, errors.New("ropa: Build: no record")
	}
	d := &Document{Schema: Schema, Tenant: tenant, AsOf: asOf.UTC(), Axis: "occurred", Activities: []Activity{},
		Processor: []ProcessorActivity{}, SecurityMeasures: []string{}, Drift: []Drift{}}
	if axis == apiv1.TimeAxis_TIME_AXIS_RECORDED {
		d.Axis = "recorded"
	}
	if p := r.GetController(); p != nil {
		d.Controller = controller(p)
		d.SecurityMeasures = append(d.SecurityMeasures, p.GetSecurityMeasures()...)
	}
	for _, a := range r.GetActivities() {
		recips, transfers := recipients(a.GetRecipients())
		if pf := a.GetProcessorFor(); pf != nil {
			d.Processor = append(d.Processor, ProcessorActivity{ID: a.GetActivityId(), Name: a.GetName(), For: party(pf),
				Purposes: nonNil(a.GetPurposes()), DataSubjects: nonNil(a.GetDataSubjects()), DataCategories: nonNil(a.GetDataCategories()), Transfers: transfers})
			continue
		}
		ret := a.GetRetention()
		d.Activities = append(d.Activities, Activity{
			ID: a.GetActivityId(), Name: a.GetName(), Purposes: nonNil(a.GetPurposes()),
			LegalBasis:               events.EnumName(a.GetLegalBasis()),
			SpecialCategoryCondition: events.EnumName(a.GetSpecialCategoryCondition()),
			CriminalDataBasis:        events.EnumName(a.GetCriminalDataBasis()),
			LegitimateInterestRef:    a.GetLegitimateInterestAssessmentRef(),
			LegitimateInterest:       a.GetLegitimateInterest(),
			DataSubjects:             nonNil(a.GetDataSubjects()),
			DataCategories:           nonNil(a.GetDataCategories()),
			Recipients:               recips, Transfers: transfers,
			Retention: Retention{Days: ret.GetDays(), Trigger: events.RetentionTrigger(ret), TriggerEvent: events.EnumName(ret.GetTriggerEvent())},
			KeyGroup:  a.GetKeyGroup(), Profiling: a.GetProfiling(),
			AutomatedDecision: events.EnumName(a.GetAutomatedDecision()), AutomatedLogic: a.GetAutomatedLogic(),
		})
	}
	for _, x := range r.GetDrift() {
		d.Drift = append(d.Drift, Drift{Kind: events.EnumName(x.GetKind()), Key: x.GetKey(), FirstSeen: x.GetFirstOccurredAt().AsTime().UTC(),
			FirstEvent: x.GetFirstEventId()})
	}
	return d, nil
}

func controller(p *eventsv1.ControllerProfile) *Controller {
	c := &Controller{Name: p.GetName(), Address: p.GetAddress(), ContactURL: p.GetContactUrl(), ContactEmail: p.GetContactEmail(),
		ContactPhone: p.GetContactPhone(), DPOContactURL: p.GetDpoContactUrl(), DPOEmail: p.GetDpoEmail(), JointControllers: []Party{},
		SupervisoryAuthority: p.GetSupervisoryAuthority(), SupervisoryAuthorityURL: p.GetSupervisoryAuthorityUrl(),
		MemberState: p.GetMemberState(), TimeZone: p.GetTimeZone(), Languages: nonNil(p.GetLanguages()), DigitalConsentAge: p.GetDigitalConsentAge()}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	for _, j := range p.GetJointControllers() {
		c.JointControllers = append(c.JointControllers, party(j))
	}
	if r := p.GetRepresentative(); r != nil {
		x := party(r)
		c.Representative = &x
	}
	return c
}

func party(p *eventsv1.Party) Party {
	return Party{Name: p.GetName(), Address: p.GetAddress(), ContactURL: p.GetContactUrl(), Country: p.GetCountry(), ArrangementURL: p.GetArrangementUrl()}
}

// recipients are an activity's recipients, and those of them in a third
// country (outside the EEA): the transfers.
func recipients(rs []*eventsv1.Recipient) (all, transfers []Recipient) {
	all, transfers = []Recipient{}, []Recipient{}
	for _, r := range rs {
		x := Recipient{ID: r.GetId(), Name: r.GetName(), Kind: events.EnumName(r.GetKind()), Country: r.GetCountry(),
			ThirdCountry: r.GetCountry() != "" && !taxonomy.InEEA(r.GetCountry()), TransferMechanism: events.EnumName(r.GetTransferMechanism()),
			DPFCertified: r.GetDpfCertified(), Art49Derogation: events.EnumName(r.GetArt49Derogation()), SafeguardsURL: r.GetSafeguardsUrl()}
		all = append(all, x)
		if x.ThirdCountry {
			transfers = append(transfers, x)
		}
	}
	return all, transfers
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
