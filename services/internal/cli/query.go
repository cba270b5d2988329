package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// queryCmd holds the flags every query command shares.
type queryCmd struct {
	fs       *flag.FlagSet
	api      *string
	format   *string
	limit    *int
	pageSize *int
}

func newQueryCmd(name, args string, stderr io.Writer, paged bool) *queryCmd {
	q := &queryCmd{fs: flags(name, stderr)}
	q.api = q.fs.String("api", DefaultAPI, "docketd API base URL")
	q.format = q.fs.String("format", formatTable, "output: table (aligned columns), json (one object per line) or csv (RFC 4180)")
	if paged {
		q.limit = q.fs.Int("limit", 0, "print at most this many rows (0: all, following every page)")
		q.pageSize = q.fs.Int("page-size", 1000, "rows per request, 1 to 1000")
	}
	q.fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: docket %s [flags] %s\n", name, args)
		q.fs.PrintDefaults()
	}
	return q
}

// parse parses args, flags before, between and after the positional
// arguments, of which there must be n; it checks the shared flags.
func (q *queryCmd) parse(args []string, n int) ([]string, error) {
	var pos []string
	for {
		if err := parse(q.fs, args); err != nil {
			return nil, err
		}
		if q.fs.NArg() == 0 {
			break
		}
		pos = append(pos, q.fs.Arg(0))
		args = q.fs.Args()[1:]
	}
	if len(pos) != n {
		q.fs.Usage()
		return nil, errUsage
	}
	if err := checkFormat(*q.format); err != nil {
		return nil, err
	}
	if q.limit != nil && *q.limit < 0 {
		return nil, errors.New("--limit: is negative")
	}
	if q.pageSize != nil && (*q.pageSize < 1 || *q.pageSize > 1000) {
		return nil, fmt.Errorf("--page-size: %d is not between 1 and 1000", *q.pageSize)
	}
	return pos, nil
}

func (q *queryCmd) client() (apiv1connect.QueryServiceClient, error) {
	api := *q.api
	if !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
		return nil, fmt.Errorf("--api: %q must start with http:// or https://", api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return nil, err
	}
	return apiv1connect.NewQueryServiceClient(hc, strings.TrimRight(api, "/"), tok), nil
}

// pages fetches pages of up to pageSize rows, handing each row to each,
// until the last page or limit rows (0: no limit).
func pages[T any](limit, pageSize int, fetch func(size int32, token string) ([]T, string, error), each func(T) error) error {
	token, printed := "", 0
	for {
		size := int32(pageSize)
		if limit > 0 {
			size = int32(min(limit-printed, pageSize))
		}
		rows, next, err := fetch(size, token)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if limit > 0 && printed == limit {
				return nil
			}
			if err := each(r); err != nil {
				return err
			}
			printed++
		}
		if next == "" || limit > 0 && printed == limit {
			return nil
		}
		token = next
	}
}

// apiError renders a Query API error: its code, and for invalid_argument
// every field violation.
func apiError(err error) error { return errors.New(describeAPIError(err, nil)) }

// Flag checks. None quotes a refused value: it may be personal data typed
// into the wrong place.

func checkArg(name, s string) error {
	if err := events.CheckToken(s); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func checkOptToken(flagName, s string) error {
	if s == "" {
		return nil
	}
	return checkArg(flagName, s)
}

// timeFlag parses an RFC 3339 time; "" is unset.
func timeFlag(name, s string) (*timestamppb.Timestamp, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%s: not an RFC 3339 time such as 2026-04-01T00:00:00Z", name)
	}
	return timestamppb.New(t), nil
}

func axisFlag(s string) (apiv1.TimeAxis, error) {
	switch s {
	case "occurred":
		return apiv1.TimeAxis_TIME_AXIS_OCCURRED, nil
	case "recorded":
		return apiv1.TimeAxis_TIME_AXIS_RECORDED, nil
	}
	return 0, errors.New("--axis: must be occurred or recorded")
}

// enumFlag parses an enum flag by its short name; "" is unset.
func enumFlag(name string, d protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, error) {
	if s == "" {
		return 0, nil
	}
	n, ok := parseEnum(d, s)
	if !ok {
		return 0, fmt.Errorf("%s: must be one of %s", name, enumNames(d))
	}
	return n, nil
}

// Subject prints what the ledger holds on one subject.
func Subject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("subject", "TENANT SUBJECT", stderr, false)
	asOf := q.fs.String("as-of", "", "the state as of this RFC 3339 time (default: now)")
	axis := q.fs.String("axis", "occurred", "the clock --as-of reads: occurred (what was true) or recorded (what the ledger knew)")
	pos, err := q.parse(args, 2)
	if err != nil {
		return err
	}
	req := &apiv1.GetSubjectRequest{Tenant: pos[0], SubjectRef: pos[1]}
	var errs []error
	errs = append(errs, checkArg("TENANT", pos[0]), checkArg("SUBJECT", pos[1]))
	req.AsOf, err = timeFlag("--as-of", *asOf)
	errs = append(errs, err)
	req.Axis, err = axisFlag(*axis)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	resp, err := client.GetSubject(ctx, connect.NewRequest(req))
	if err != nil {
		return apiError(err)
	}
	st := resp.Msg.GetSubject()
	if *q.format == formatJSON {
		return writeJSONLine(stdout, st)
	}
	p := newPrinter(*q.format, stdout, "kind", "key", "state", "at", "detail", "event_id")
	for _, f := range subjectFacts(st) {
		if err := p.row(nil, f...); err != nil {
			return err
		}
	}
	return p.flush()
}

// subjectFacts flattens a subject's state into rows of kind, key, state,
// at, detail, event id.
func subjectFacts(st *apiv1.SubjectState) [][]string {
	out := [][]string{
		{"subject", "tenant", st.GetTenant(), "", "", ""},
		{"subject", "subject_ref", st.GetSubjectRef(), "", "", ""},
		{"subject", "first_seen", "", cellTime(st.GetFirstSeen()), fmt.Sprintf("seq %d", st.GetFirstSeq()), ""},
		{"subject", "last_seen", "", cellTime(st.GetLastSeen()), fmt.Sprintf("seq %d", st.GetLastSeq()), ""},
		{"subject", "events", fmt.Sprint(st.GetEvents()), "", "", ""},
		{"subject", "child", fmt.Sprint(st.GetChild()), "", "", ""},
	}
	for _, c := range st.GetConsents() {
		state, at := "withdrawn", cellTime(c.GetWithdrawnAt())
		if c.GetGiven() {
			state, at = "given", cellTime(c.GetGivenAt())
		}
		detail := strings.TrimPrefix(strings.Join([]string{c.GetNoticeId(), c.GetNoticeVersion()}, " "), " ")
		if c.GetExpiresAt() != nil {
			detail = strings.TrimSpace(detail + " expires " + cellTime(c.GetExpiresAt()))
		}
		out = append(out, []string{"consent", c.GetPurpose(), state, at, detail, c.GetEventId()})
	}
	for _, r := range st.GetRestrictions() {
		state, at := "active", cellTime(r.GetAppliedAt())
		if r.GetLiftedAt() != nil {
			state, at = "lifted", cellTime(r.GetLiftedAt())
		}
		detail := "purposes " + join(r.GetPurposes())
		if len(r.GetPurposes()) == 0 {
			detail = "all purposes but storage"
		}
		out = append(out, []string{"restriction", r.GetRestrictionId(), state, at, detail, r.GetEventId()})
	}
	for _, o := range st.GetObjections() {
		out = append(out, []string{"objection", join(o.GetPurposes()), "recorded", cellTime(o.GetAt()), o.GetRequestId(), o.GetEventId()})
	}
	for _, id := range st.GetOpenRequests() {
		out = append(out, []string{"request", id, "open", "", "", ""})
	}
	for _, e := range st.GetErasures() {
		out = append(out, []string{"erasure", e.GetSystem(), "erased", cellTime(e.GetAt()), "", ""})
	}
	for _, g := range st.GetShreddedGroups() {
		out = append(out, []string{"shredded", g.GetKeyGroup(), "shredded", cellTime(g.GetAt()), "", ""})
	}
	for _, c := range st.GetCollections() {
		state, at := "held", cellTime(c.GetLast())
		if c.GetEndedAt() != nil {
			state, at = "ended", cellTime(c.GetEndedAt())
		}
		out = append(out, []string{"collection", c.GetActivityId(), state, at, "first " + cellTime(c.GetFirst()), ""})
	}
	return out
}

// History prints a subject's audit trail.
func History(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("history", "TENANT SUBJECT", stderr, true)
	typ := q.fs.String("type", "", "only events of this type, e.g. SubjectDataExported: who read the subject's values, when")
	pos, err := q.parse(args, 2)
	if err != nil {
		return err
	}
	if err := errors.Join(checkArg("TENANT", pos[0]), checkArg("SUBJECT", pos[1])); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	p := newPrinter(*q.format, stdout, "seq", "occurred_at", "recorded_at", "type", "categories", "purposes", "legal_basis", "recipient_id", "source", "actor", "event_id")
	err = pages(*q.limit, *q.pageSize, func(size int32, token string) ([]*apiv1.AuditRow, string, error) {
		resp, err := client.ListHistory(ctx, connect.NewRequest(&apiv1.ListHistoryRequest{Tenant: pos[0], SubjectRef: pos[1], PageSize: size, PageToken: token}))
		if err != nil {
			return nil, "", apiError(err)
		}
		return resp.Msg.GetRows(), resp.Msg.GetNextPageToken(), nil
	}, func(r *apiv1.AuditRow) error {
		if *typ != "" && shortType(r.GetType()) != *typ {
			return nil
		}
		actor := ""
		if a := r.GetActor(); a != nil {
			actor = strings.TrimSuffix(cellEnum(a.GetKind())+":"+a.GetId(), ":")
		}
		return p.row(r, fmt.Sprint(r.GetSeq()), cellTime(r.GetOccurredAt()), cellTime(r.GetRecordedAt()), shortType(r.GetType()),
			join(r.GetCategories()), join(r.GetPurposes()), cellEnum(r.GetLegalBasis()), r.GetRecipientId(), r.GetSource(), actor, r.GetEventId())
	})
	if err != nil {
		return err
	}
	return p.flush()
}

// Disclosures prints the disclosure register, filtered.
func Disclosures(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("disclosures", "TENANT", stderr, true)
	subject := q.fs.String("subject", "", "only disclosures about this subject reference")
	recipient := q.fs.String("recipient", "", "only disclosures to this recipient id")
	kind := q.fs.String("kind", "", "only recipients of this kind: "+enumNames(recipientKinds))
	category := q.fs.String("category", "", "only this fideslang data category, e.g. user.contact.email")
	purpose := q.fs.String("purpose", "", "only this fideslang data use, e.g. marketing.communications.email")
	basis := q.fs.String("basis", "", "only this legal basis, e.g. art6_1_a_consent")
	from := q.fs.String("from", "", "only disclosures at or after this RFC 3339 time")
	to := q.fs.String("to", "", "only disclosures at or before this RFC 3339 time")
	axis := q.fs.String("axis", "occurred", "the clock --from and --to read: occurred or recorded")
	pos, err := q.parse(args, 1)
	if err != nil {
		return err
	}
	req := &apiv1.ListDisclosuresRequest{Tenant: pos[0], SubjectRef: *subject, RecipientId: *recipient, Category: *category, Purpose: *purpose}
	errs := []error{checkArg("TENANT", pos[0]), checkOptToken("--subject", *subject), checkOptToken("--recipient", *recipient)}
	if *category != "" && !taxonomy.IsDataCategory(*category) {
		errs = append(errs, errors.New("--category: not a fideslang data category"))
	}
	if *purpose != "" && !taxonomy.IsDataUse(*purpose) {
		errs = append(errs, errors.New("--purpose: not a fideslang data use"))
	}
	k, err := enumFlag("--kind", recipientKinds, *kind)
	errs = append(errs, err)
	req.RecipientKind = eventsRecipientKind(k)
	b, err := enumFlag("--basis", legalBases, *basis)
	errs = append(errs, err)
	req.LegalBasis = eventsLegalBasis(b)
	req.From, err = timeFlag("--from", *from)
	errs = append(errs, err)
	req.To, err = timeFlag("--to", *to)
	errs = append(errs, err)
	if req.From != nil && req.To != nil && req.To.AsTime().Before(req.From.AsTime()) {
		errs = append(errs, errors.New("--to: is before --from"))
	}
	req.Axis, err = axisFlag(*axis)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	var withheld uint32
	p := newPrinter(*q.format, stdout, "seq", "occurred_at", "subject_ref", "recipient_id", "recipient_kind", "country", "transfer", "categories", "purpose", "legal_basis", "legal_instrument", "event_id")
	err = pages(*q.limit, *q.pageSize, func(size int32, token string) ([]*apiv1.Disclosure, string, error) {
		req.PageSize, req.PageToken = size, token
		resp, err := client.ListDisclosures(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, "", apiError(err)
		}
		withheld += resp.Msg.GetWithheldConfidential()
		return resp.Msg.GetDisclosures(), resp.Msg.GetNextPageToken(), nil
	}, func(d *apiv1.Disclosure) error {
		r := d.GetRecipient()
		return p.row(d, fmt.Sprint(d.GetSeq()), cellTime(d.GetOccurredAt()), d.GetSubjectRef(), r.GetId(), cellEnum(r.GetKind()), r.GetCountry(),
			cellEnum(r.GetTransferMechanism()), join(d.GetCategories()), d.GetPurpose(), cellEnum(d.GetLegalBasis()), d.GetLegalInstrumentRef(), d.GetEventId())
	})
	if err != nil {
		return err
	}
	if withheld > 0 {
		fmt.Fprintf(stderr, "%d confidential disclosures (Art. 23) left out: only a token with the legal role sees them\n", withheld)
	}
	return p.flush()
}

// RoPA prints the record of processing: the declared activities, what
// events show, and the drift between them.
func RoPA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("ropa", "TENANT", stderr, false)
	asOf := q.fs.String("as-of", "", "the record as of this RFC 3339 time (default: now)")
	axis := q.fs.String("axis", "occurred", "the clock --as-of reads: occurred or recorded")
	pos, err := q.parse(args, 1)
	if err != nil {
		return err
	}
	req := &apiv1.GetRecordOfProcessingRequest{Tenant: pos[0]}
	errs := []error{checkArg("TENANT", pos[0])}
	req.AsOf, err = timeFlag("--as-of", *asOf)
	errs = append(errs, err)
	req.Axis, err = axisFlag(*axis)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	resp, err := client.GetRecordOfProcessing(ctx, connect.NewRequest(req))
	if err != nil {
		return apiError(err)
	}
	return printRoPA(*q.format, stdout, resp.Msg)
}

// Findings prints compliance findings.
func Findings(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("findings", "TENANT", stderr, true)
	subject := q.fs.String("subject", "", "only findings about this subject reference")
	rule := q.fs.String("rule", "", "only findings of this rule")
	asOf := q.fs.String("as-of", "", "check time-based rules at this RFC 3339 time, and show findings that arose by then (default: now)")
	pos, err := q.parse(args, 1)
	if err != nil {
		return err
	}
	req := &apiv1.ListFindingsRequest{Tenant: pos[0], SubjectRef: *subject, Rule: *rule}
	errs := []error{checkArg("TENANT", pos[0]), checkOptToken("--subject", *subject)}
	if strings.ContainsAny(*rule, " \t\n@") || len(*rule) > 64 {
		errs = append(errs, errors.New("--rule: not a rule name"))
	}
	req.AsOf, err = timeFlag("--as-of", *asOf)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	p := newPrinter(*q.format, stdout, "rule", "arose_at", "subject_ref", "seq", "detail", "event_ids", "finding_id")
	err = pages(*q.limit, *q.pageSize, func(size int32, token string) ([]*apiv1.Finding, string, error) {
		req.PageSize, req.PageToken = size, token
		resp, err := client.ListFindings(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, "", apiError(err)
		}
		return resp.Msg.GetFindings(), resp.Msg.GetNextPageToken(), nil
	}, func(f *apiv1.Finding) error {
		seq := ""
		if f.GetSeq() > 0 {
			seq = fmt.Sprint(f.GetSeq())
		}
		return p.row(f, f.GetRule(), cellTime(f.GetAroseAt()), f.GetSubjectRef(), seq, f.GetDetail(), join(f.GetEventIds()), f.GetFindingId())
	})
	if err != nil {
		return err
	}
	return p.flush()
}

// Requests prints data-subject requests with their deadlines.
func Requests(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	q := newQueryCmd("requests", "TENANT", stderr, true)
	subject := q.fs.String("subject", "", "only requests of this subject reference")
	status := q.fs.String("status", "", "only requests in this status: "+enumNames(requestStatuses))
	overdue := q.fs.Bool("overdue", false, "only open requests past their deadline")
	pos, err := q.parse(args, 1)
	if err != nil {
		return err
	}
	req := &apiv1.ListRequestsRequest{Tenant: pos[0], SubjectRef: *subject, Overdue: *overdue}
	errs := []error{checkArg("TENANT", pos[0]), checkOptToken("--subject", *subject)}
	st, err := enumFlag("--status", requestStatuses, *status)
	errs = append(errs, err)
	req.Status = apiv1.RequestStatus(st)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := q.client()
	if err != nil {
		return err
	}
	p := newPrinter(*q.format, stdout, "request_id", "subject_ref", "right", "status", "received_at", "due_at", "closed_at", "extended_months", "outcome", "denial_ground")
	err = pages(*q.limit, *q.pageSize, func(size int32, token string) ([]*apiv1.Request, string, error) {
		req.PageSize, req.PageToken = size, token
		resp, err := client.ListRequests(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, "", apiError(err)
		}
		return resp.Msg.GetRequests(), resp.Msg.GetNextPageToken(), nil
	}, func(r *apiv1.Request) error {
		ext := ""
		if r.GetExtendedMonths() > 0 {
			ext = fmt.Sprint(r.GetExtendedMonths())
		}
		return p.row(r, r.GetRequestId(), r.GetSubjectRef(), cellEnum(r.GetRight()), cellEnum(r.GetStatus()), cellTime(r.GetReceivedAt()),
			cellTime(r.GetDueAt()), cellTime(r.GetClosedAt()), ext, r.GetOutcome(), cellEnum(r.GetDenialGround()))
	})
	if err != nil {
		return err
	}
	return p.flush()
}
