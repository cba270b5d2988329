package console

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// disclosureFilter is the register's filter form.
type disclosureFilter struct {
	Subject, Recipient, Kind, Category, Purpose, Basis, From, To, Axis string
}

// readFilter reads the filter from the query.
func readFilter(r *http.Request) disclosureFilter {
	g := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	return disclosureFilter{Subject: g("subject"), Recipient: g("recipient"), Kind: g("kind"), Category: g("category"),
		Purpose: g("purpose"), Basis: g("basis"), From: g("from"), To: g("to"), Axis: g("axis")}
}

// values returns the filter as a query, with the tenant.
func (f disclosureFilter) values(tenant string) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"tenant": tenant, "subject": f.Subject, "recipient": f.Recipient, "kind": f.Kind,
		"category": f.Category, "purpose": f.Purpose, "basis": f.Basis, "from": f.From, "to": f.To, "axis": f.Axis} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// request turns the filter into the API's request; errors name the field.
func (f disclosureFilter) request(tenant string) (*apiv1.ListDisclosuresRequest, error) {
	req := &apiv1.ListDisclosuresRequest{Tenant: tenant, SubjectRef: f.Subject, RecipientId: f.Recipient,
		Category: f.Category, Purpose: f.Purpose}
	if f.Kind != "" {
		k, ok := eventsv1.RecipientKind_value[f.Kind]
		if !ok || k == 0 {
			return nil, badInput("recipient kind", "not a recipient kind")
		}
		req.RecipientKind = eventsv1.RecipientKind(k)
	}
	if f.Basis != "" {
		b, ok := eventsv1.LegalBasis_value[f.Basis]
		if !ok || b == 0 {
			return nil, badInput("legal basis", "not a legal basis")
		}
		req.LegalBasis = eventsv1.LegalBasis(b)
	}
	from, err := parseFormTime("from", f.From)
	if err != nil {
		return nil, err
	}
	to, err := parseFormTime("to", f.To)
	if err != nil {
		return nil, err
	}
	if len(f.To) == len(time.DateOnly) && !to.IsZero() {
		to = to.Add(24*time.Hour - time.Nanosecond) // a date "to" includes the day
	}
	if !from.IsZero() {
		req.From = timestamppb.New(from)
	}
	if !to.IsZero() {
		req.To = timestamppb.New(to)
	}
	switch f.Axis {
	case "", "occurred":
		req.Axis = apiv1.TimeAxis_TIME_AXIS_OCCURRED
	case "recorded":
		req.Axis = apiv1.TimeAxis_TIME_AXIS_RECORDED
	default:
		return nil, badInput("clock", "must be occurred or recorded")
	}
	return req, nil
}

// option is one choice of a select.
type option struct{ Value, Label string }

// disclosuresData is the register page's data.
type disclosuresData struct {
	F          disclosureFilter
	Kinds      []option
	Bases      []option
	Rows       []*apiv1.Disclosure
	Withheld   uint32
	Page, Next string
	Query      template.URL // the filter's query, for paging and the CSV link
	Now        time.Time
	Observed   map[string][]string // datalists: recipients, categories, purposes
}

// registerPage is how many disclosures a page shows.
const registerPage = 50

// disclosures is the disclosure register: filters, paging, CSV.
func (cs *Console) disclosures(w http.ResponseWriter, r *http.Request, s *session) error {
	f := readFilter(r)
	d := disclosuresData{F: f, Kinds: enumOptions(eventsv1.RecipientKind_name, kindName), Bases: enumOptions(eventsv1.LegalBasis_name,
		func(n int32) string { return basisName(eventsv1.LegalBasis(n)) }), Page: r.FormValue("page"), Now: cs.c.Now(),
		Query: template.URL(f.values(s.tenant).Encode())}
	v := view{Title: "Disclosures", Nav: "disclosures", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "disclosures", v)
		return nil
	}
	req, err := f.request(s.tenant)
	if err != nil {
		return err
	}
	req.PageSize, req.PageToken = registerPage, d.Page
	resp, err := cs.api.query.ListDisclosures(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	d.Rows, d.Next, d.Withheld = resp.Msg.GetDisclosures(), resp.Msg.GetNextPageToken(), resp.Msg.GetWithheldConfidential()
	d.Observed, err = cs.observedKeys(r.Context(), s.tenant)
	if err != nil {
		return err
	}
	cs.render(w, http.StatusOK, "disclosures", v)
	return nil
}

// observedKeys lists the recipients, categories and purposes events show,
// for the filter form's suggestions.
func (cs *Console) observedKeys(ctx context.Context, tenant string) (map[string][]string, error) {
	resp, err := cs.api.query.GetRecordOfProcessing(ctx, connect.NewRequest(&apiv1.GetRecordOfProcessingRequest{Tenant: tenant}))
	if err != nil {
		if connect.CodeOf(err) == connect.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	out := map[string][]string{}
	for _, o := range resp.Msg.GetObserved() {
		switch o.GetKind() {
		case apiv1.ObservedKind_OBSERVED_KIND_RECIPIENT:
			out["recipients"] = append(out["recipients"], o.GetKey())
		case apiv1.ObservedKind_OBSERVED_KIND_CATEGORY:
			out["categories"] = append(out["categories"], o.GetKey())
		case apiv1.ObservedKind_OBSERVED_KIND_PURPOSE:
			out["purposes"] = append(out["purposes"], o.GetKey())
		}
	}
	return out, nil
}

// enumOptions lists an enum's values but the unspecified one, in number
// order, for a select.
func enumOptions[E ~int32](names map[int32]string, label func(E) string) []option {
	var out []option
	for n := int32(1); len(out) < len(names)-1 && n < 1000; n++ {
		if name, ok := names[n]; ok {
			out = append(out, option{Value: name, Label: label(E(n))})
		}
	}
	return out
}

// csvHeader is the CSV download's header row.
var csvHeader = []string{"seq", "event_id", "occurred_at", "recorded_at", "subject_ref", "recipient_id", "recipient_name",
	"recipient_kind", "recipient_country", "categories", "purpose", "legal_basis", "special_category_condition",
	"legal_instrument_ref", "confidential_until", "activity_id"}

// disclosuresCSV downloads every disclosure the filters match, all pages
// of them, as the register page shows them (and as the API returns them
// to the token: confidential rows only for the legal role).
func (cs *Console) disclosuresCSV(w http.ResponseWriter, r *http.Request, s *session) error {
	req, err := readFilter(r).request(s.tenant)
	if err != nil {
		return err
	}
	if s.tenant == "" {
		return badInput("tenant", "is required")
	}
	req.PageSize = 1000
	// Fetch everything before writing, so an error is a page, not half a file.
	var rows []*apiv1.Disclosure
	var withheld uint32
	for {
		resp, err := cs.api.query.ListDisclosures(r.Context(), connect.NewRequest(req))
		if err != nil {
			return err
		}
		rows = append(rows, resp.Msg.GetDisclosures()...)
		withheld += resp.Msg.GetWithheldConfidential()
		if req.PageToken = resp.Msg.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "disclosures-"+s.tenant+".csv"))
	w.Header().Set("X-Docket-Withheld-Confidential", strconv.FormatUint(uint64(withheld), 10))
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for _, d := range rows {
		_ = cw.Write(csvRow(d))
	}
	cw.Flush()
	return cw.Error()
}

// csvRow is one disclosure as a CSV row.
func csvRow(d *apiv1.Disclosure) []string {
	t := func(ts *timestamppb.Timestamp) string {
		if ts == nil {
			return ""
		}
		return ts.AsTime().UTC().Format(time.RFC3339Nano)
	}
	enum := func(name string) string {
		if strings.HasSuffix(name, "_UNSPECIFIED") {
			return ""
		}
		return name
	}
	rc := d.GetRecipient()
	return []string{strconv.FormatUint(d.GetSeq(), 10), d.GetEventId(), t(d.GetOccurredAt()), t(d.GetRecordedAt()), d.GetSubjectRef(),
		rc.GetId(), csvSafe(rc.GetName()), enum(rc.GetKind().String()), rc.GetCountry(), strings.Join(d.GetCategories(), " "), d.GetPurpose(),
		enum(d.GetLegalBasis().String()), enum(d.GetSpecialCategoryCondition().String()), csvSafe(d.GetLegalInstrumentRef()),
		t(d.GetConfidentialUntil()), d.GetActivityId()}
}

// csvSafe keeps a spreadsheet from reading free text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// confidential tells whether a disclosure is still under an Art. 23
// confidentiality at now.
func confidential(d *apiv1.Disclosure, now time.Time) bool {
	return d.GetConfidentialUntil() != nil && d.GetConfidentialUntil().AsTime().After(now)
}
