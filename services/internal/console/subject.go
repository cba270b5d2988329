package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// home sends the reader to the subject search.
func (cs *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	http.Redirect(w, r, "/subjects?"+string(query("tenant", s.tenant)), http.StatusSeeOther)
	return nil
}

// subjectData is the subject page's data.
type subjectData struct {
	Ref      string
	AsOf     string // the form's value
	Axis     string // "occurred" or "recorded"
	State    *apiv1.SubjectState
	Rows     []*apiv1.AuditRow
	Later    int       // rows of the trail after as_of, left out
	Withheld int       // confidential disclosures on this page left out (Art. 23: legal only)
	Next     string    // the next history page's token
	Page     string    // this page's token
	CanValue bool      // may export values
	At       time.Time // the state's time: as_of, else now
}

// timelinePage is how many events the timeline shows per page.
const timelinePage = 200

// subject is the Subject page: search, the state (now or as of a time) and
// the timeline of every event.
func (cs *Console) subject(w http.ResponseWriter, r *http.Request, s *session) error {
	d := subjectData{Ref: strings.TrimSpace(r.FormValue("ref")), AsOf: r.FormValue("as_of"), Axis: r.FormValue("axis"),
		Page: r.FormValue("page"), CanValue: s.canSeeValues()}
	v := view{Title: "Subject", Nav: "subjects", S: s, Data: &d}
	if d.Ref == "" {
		cs.render(w, http.StatusOK, "subject", v)
		return nil
	}
	if err := events.CheckToken(d.Ref); err != nil {
		return badInput("subject reference", "must be a pseudonymous reference: letters, digits, '-' and '_', no spaces or dots")
	}
	asOf, err := parseFormTime("as of", d.AsOf)
	if err != nil {
		return err
	}
	d.At = cs.c.Now()
	if !asOf.IsZero() {
		d.At = asOf
	}
	axis := apiv1.TimeAxis_TIME_AXIS_OCCURRED
	switch d.Axis {
	case "", "occurred":
		d.Axis = "occurred"
	case "recorded":
		axis = apiv1.TimeAxis_TIME_AXIS_RECORDED
	default:
		return badInput("clock", "must be occurred or recorded")
	}
	req := &apiv1.GetSubjectRequest{Tenant: s.tenant, SubjectRef: d.Ref, Axis: axis}
	if !asOf.IsZero() {
		req.AsOf = timestamppb.New(asOf)
	}
	st, err := cs.api.query.GetSubject(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	d.State = st.Msg.GetSubject()
	h, err := cs.api.query.ListHistory(r.Context(), connect.NewRequest(&apiv1.ListHistoryRequest{
		Tenant: s.tenant, SubjectRef: d.Ref, PageSize: timelinePage, PageToken: d.Page}))
	if err != nil {
		return err
	}
	d.Next = h.Msg.GetNextPageToken()
	d.Withheld = int(h.Msg.GetWithheldConfidential())
	for _, row := range h.Msg.GetRows() {
		if !asOf.IsZero() && after(row, axis, asOf) {
			d.Later++
			continue
		}
		d.Rows = append(d.Rows, row)
	}
	v.Title = "Subject " + d.Ref
	cs.render(w, http.StatusOK, "subject", v)
	return nil
}

// after tells whether a row lies after t on the clock axis reads.
func after(row *apiv1.AuditRow, axis apiv1.TimeAxis, t time.Time) bool {
	at := row.GetOccurredAt()
	if axis == apiv1.TimeAxis_TIME_AXIS_RECORDED {
		at = row.GetRecordedAt()
	}
	return at.AsTime().After(t)
}

// export downloads the subject's export (Art. 15 HTML or Art. 20 JSON).
// The API records who exported and why before it returns any value, and
// refuses roles that may not see values.
func (cs *Console) export(w http.ResponseWriter, r *http.Request, s *session) error {
	ref := strings.TrimSpace(r.PostFormValue("ref"))
	if err := events.CheckToken(ref); err != nil {
		return badInput("subject reference", "must be a pseudonymous reference")
	}
	var format eventsv1.ExportFormat
	var ext string
	switch r.PostFormValue("format") {
	case "html":
		format, ext = eventsv1.ExportFormat_EXPORT_FORMAT_HTML, "html"
	case "json":
		format, ext = eventsv1.ExportFormat_EXPORT_FORMAT_JSON, "json"
	default:
		return badInput("format", "must be html or json")
	}
	req := &apiv1.ExportSubjectRequest{Tenant: s.tenant, SubjectRef: ref, Format: format,
		RequestId: strings.TrimSpace(r.PostFormValue("request_id")), Justification: strings.TrimSpace(r.PostFormValue("justification"))}
	if req.RequestId == "" && req.Justification == "" {
		return badInput("request id or justification", "one is required: an export is recorded with the reason for it")
	}
	resp, err := cs.api.rights.ExportSubject(r.Context(), connect.NewRequest(req))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", resp.Msg.GetContentType())
	// An attachment, never a page of the console: the export holds values.
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "export-"+s.tenant+"-"+ref+"."+ext))
	w.Header().Set("X-Docket-Event-Id", resp.Msg.GetEventId())
	_, err = w.Write(resp.Msg.GetContent())
	return err
}
