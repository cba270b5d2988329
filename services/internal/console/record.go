package console

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"github.com/docketledger/docket/services/internal/ropa"
	"html/template"
	"net/http"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// recordData is the record of processing page's data.
type recordData struct {
	AsOf, Axis string
	R          *apiv1.GetRecordOfProcessingResponse
	Drifting   map[string]bool // "kind/key" of observed keys no activity declares
	// Document is the query of the record's printable and exported forms.
	Document template.URL
}

// record is the Art. 30 record of processing as of a date, with what
// events show and the drift between the two highlighted.
func (cs *Console) record(w http.ResponseWriter, r *http.Request, s *session) error {
	d := recordData{AsOf: r.FormValue("as_of"), Axis: r.FormValue("axis"), Drifting: map[string]bool{}}
	v := view{Title: "Record of processing", Nav: "record", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "record", v)
		return nil
	}
	req, err := recordRequest(s, &d)
	if err != nil {
		return err
	}
	resp, err := cs.api.query.GetRecordOfProcessing(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	d.R = resp.Msg
	for _, x := range d.R.GetDrift() {
		d.Drifting[x.GetKind().String()+"/"+x.GetKey()] = true
	}
	d.Document = query("tenant", s.tenant, "as_of", d.AsOf, "axis", d.Axis)
	cs.render(w, http.StatusOK, "record", v)
	return nil
}

// recordRequest is the record's request of the page's as_of and axis.
func recordRequest(s *session, d *recordData) (*apiv1.GetRecordOfProcessingRequest, error) {
	asOf, err := parseFormTime("as of", d.AsOf)
	if err != nil {
		return nil, err
	}
	req := &apiv1.GetRecordOfProcessingRequest{Tenant: s.tenant, Axis: apiv1.TimeAxis_TIME_AXIS_OCCURRED}
	switch d.Axis {
	case "", "occurred":
		d.Axis = "occurred"
	case "recorded":
		req.Axis = apiv1.TimeAxis_TIME_AXIS_RECORDED
	default:
		return nil, badInput("clock", "must be occurred or recorded")
	}
	if !asOf.IsZero() {
		req.AsOf = timestamppb.New(asOf)
	}
	return req, nil
}

// documentCSP lets the record's printable page use its own stylesheet,
// and nothing else.
var documentCSP = func() string {
	sum := sha256.Sum256([]byte(ropa.Style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
}()

// recordDocument is the record as a document to print or hand to an
// authority (Art. 30(4)): html or pdf (in lang), csv or json, as of the page's
// date (now when none).
func (cs *Console) recordDocument(w http.ResponseWriter, r *http.Request, s *session) error {
	d := recordData{AsOf: r.FormValue("as_of"), Axis: r.FormValue("axis")}
	format, lang := r.FormValue("format"), r.FormValue("lang")
	if lang == "" {
		lang = ropa.Langs[0]
	}
	if err := ropa.CheckLang(lang); err != nil {
		return badInput("language", err.Error())
	}
	if s.tenant == "" {
		return badInput("tenant", "is required")
	}
	req, err := recordRequest(s, &d)
	if err != nil {
		return err
	}
	if req.AsOf == nil {
		req.AsOf = timestamppb.New(cs.c.Now().UTC().Truncate(time.Second))
	}
	resp, err := cs.api.query.GetRecordOfProcessing(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	doc, err := ropa.Build(s.tenant, req.AsOf.AsTime(), req.Axis, resp.Msg)
	if err != nil {
		return err
	}
	name := "record-of-processing-" + s.tenant + "-" + doc.AsOf.Format("2006-01-02")
	var b bytes.Buffer
	switch format {
	case "", "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", documentCSP)
		err = ropa.HTML(&b, doc, lang)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+lang+".csv"))
		err = ropa.CSV(&b, doc, lang)
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+lang+".pdf"))
		err = ropa.PDF(&b, doc, lang)
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".json"))
		err = ropa.JSON(&b, doc)
	default:
		return badInput("format", "must be html, pdf, csv or json")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// findingsData is the findings page's data.
type findingsData struct {
	Rule, Subject, Status string
	Rules                 []string
	Statuses              []findingStatusOption
	Rows                  []*apiv1.Finding
	Page, Next            string
	Query                 template.URL
}

// findingStatusOption is one choice of the findings page's status filter.
type findingStatusOption struct{ Value, Label string }

// findingStatusOptions are the status filter's choices: open or closed,
// or one status.
var findingStatusOptions = []findingStatusOption{
	{"open", "open (not yet handled, acknowledged or assigned)"},
	{"closed", "closed (risk accepted, not applicable or resolved)"},
	{"FINDING_STATUS_OPEN", "not handled yet (or reopened)"},
	{"FINDING_STATUS_ACKNOWLEDGED", "acknowledged"},
	{"FINDING_STATUS_ASSIGNED", "assigned"},
	{"FINDING_STATUS_RISK_ACCEPTED", "risk accepted"},
	{"FINDING_STATUS_NOT_APPLICABLE", "not applicable"},
	{"FINDING_STATUS_RESOLVED", "resolved"},
}

// findingsPage is how many findings a page shows.
const findingsPage = 100

// findings lists findings: open ones first (the time-based ones, checked
// now, then those recorded from events), then closed ones, as the API
// orders them, each with its status and group, linked to its history and
// its events.
func (cs *Console) findings(w http.ResponseWriter, r *http.Request, s *session) error {
	d := findingsData{Rule: r.FormValue("rule"), Subject: r.FormValue("subject"), Status: r.FormValue("status"), Page: r.FormValue("page"),
		Rules: state.Rules, Statuses: findingStatusOptions}
	d.Query = (query("tenant", s.tenant, "rule", d.Rule, "subject", d.Subject, "status", d.Status))
	v := view{Title: "Findings", Nav: "findings", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "findings", v)
		return nil
	}
	req := &apiv1.ListFindingsRequest{Tenant: s.tenant, Rule: d.Rule, SubjectRef: d.Subject, PageSize: findingsPage, PageToken: d.Page}
	switch d.Status {
	case "":
	case "open":
		req.StatusFilter = apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_OPEN
	case "closed":
		req.StatusFilter = apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_CLOSED
	default:
		n, ok := eventsv1.FindingStatus_value[d.Status]
		if !ok || n == 0 {
			return badInput("status", "must be open, closed or a finding status")
		}
		req.Status = eventsv1.FindingStatus(n)
	}
	resp, err := cs.api.query.ListFindings(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	d.Rows, d.Next = resp.Msg.GetFindings(), resp.Msg.GetNextPageToken()
	cs.render(w, http.StatusOK, "findings", v)
	return nil
}

// findingData is the finding page's data.
type findingData struct {
	ID     string
	F      *apiv1.Finding
	Exists bool
}

// finding shows one finding, its status and the history of how it was
// handled (each step an event in the ledger; a justification's words are
// sealed and never shown).
func (cs *Console) finding(w http.ResponseWriter, r *http.Request, s *session) error {
	d := findingData{ID: r.FormValue("id")}
	v := view{Title: "Finding", Nav: "findings", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "finding", v)
		return nil
	}
	resp, err := cs.api.query.GetFinding(r.Context(), connect.NewRequest(&apiv1.GetFindingRequest{Tenant: s.tenant, FindingId: d.ID}))
	if err != nil {
		return err
	}
	d.F, d.Exists = resp.Msg.GetFinding(), resp.Msg.GetExists()
	cs.render(w, http.StatusOK, "finding", v)
	return nil
}

// requestsData is the requests page's data.
type requestsData struct {
	Open     []*apiv1.Request
	Closed   []*apiv1.Request
	Now      time.Time
	Page     string
	Next     string
	MoreOpen bool
	Subject  string
}

// openLimit bounds the open requests the page lists before the closed.
const openLimit = 1000

// requests lists data-subject requests: the open ones first, by deadline,
// overdue ones marked; then the closed ones, in the order received, paged.
func (cs *Console) requests(w http.ResponseWriter, r *http.Request, s *session) error {
	d := requestsData{Now: cs.c.Now(), Page: r.FormValue("page"), Subject: r.FormValue("subject")}
	v := view{Title: "Requests", Nav: "requests", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "requests", v)
		return nil
	}
	ctx := r.Context()
	if d.Page == "" {
		req := &apiv1.ListRequestsRequest{Tenant: s.tenant, SubjectRef: d.Subject, Status: apiv1.RequestStatus_REQUEST_STATUS_OPEN, PageSize: 1000}
		for {
			resp, err := cs.api.query.ListRequests(ctx, connect.NewRequest(req))
			if err != nil {
				return err
			}
			d.Open = append(d.Open, resp.Msg.GetRequests()...)
			if req.PageToken = resp.Msg.GetNextPageToken(); req.PageToken == "" {
				break
			}
			if len(d.Open) >= openLimit {
				d.MoreOpen = true
				break
			}
		}
		slices.SortStableFunc(d.Open, func(a, b *apiv1.Request) int {
			return cmp.Compare(a.GetDueAt().AsTime().UnixNano(), b.GetDueAt().AsTime().UnixNano())
		})
	}
	// The API's filter has no "closed": page through all, leaving out the
	// open ones listed above.
	resp, err := cs.api.query.ListRequests(ctx, connect.NewRequest(&apiv1.ListRequestsRequest{
		Tenant: s.tenant, SubjectRef: d.Subject, PageSize: findingsPage, PageToken: d.Page}))
	if err != nil {
		return err
	}
	for _, q := range resp.Msg.GetRequests() {
		if q.GetStatus() != apiv1.RequestStatus_REQUEST_STATUS_OPEN {
			d.Closed = append(d.Closed, q)
		}
	}
	d.Next = resp.Msg.GetNextPageToken()
	cs.render(w, http.StatusOK, "requests", v)
	return nil
}

// deadline says how a request stands against its deadline at now.
func deadline(q *apiv1.Request, now time.Time) string {
	if q.GetDueAt() == nil {
		return ""
	}
	days := int(q.GetDueAt().AsTime().Sub(now).Hours() / 24)
	switch {
	case q.GetStatus() != apiv1.RequestStatus_REQUEST_STATUS_OPEN:
		return ""
	case q.GetDueAt().AsTime().Before(now):
		return "overdue by " + plural(-days, "day")
	default:
		return "due in " + plural(days, "day")
	}
}
