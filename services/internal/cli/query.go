package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/docketledger/docket/services/internal/ropa"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// output holds the flags every query command shares: --format, and for
// a paged list --limit and --page-size.
type output struct {
	format          string
	limit, pageSize int
}

// queryCmd is a query command: its output flags, then run's.
func queryCmd(g *globals, use, short string, pos []string, paged bool, run func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, stderr io.Writer) error) *cobra.Command {
	o := &output{}
	c := newCommand(use+" [flags] "+strings.Join(pos, " "), short, args(pos...), nil)
	c.Flags().StringVar(&o.format, "format", formatTable, "output: table (aligned columns), json (one object per line) or csv (RFC 4180)")
	if paged {
		c.Flags().IntVar(&o.limit, "limit", 0, "print at most this many rows (0: all, following every page)")
		c.Flags().IntVar(&o.pageSize, "page-size", 1000, "rows per request, 1 to 1000")
	}
	c.RunE = func(cmd *cobra.Command, pos []string) error {
		errs := []error{checkFormat(o.format)}
		if o.limit < 0 {
			errs = append(errs, errors.New("--limit: is negative"))
		}
		if paged && (o.pageSize < 1 || o.pageSize > 1000) {
			errs = append(errs, fmt.Errorf("--page-size: %d is not between 1 and 1000", o.pageSize))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		q, err := client(g, apiv1connect.NewQueryServiceClient)
		if err != nil {
			return err
		}
		return run(cmd.Context(), q, o, pos, cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	return c
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

// call makes one API call; its error is rendered as apiError does.
func call[Req, Resp any](ctx context.Context, method func(context.Context, *connect.Request[Req]) (*connect.Response[Resp], error), req *Req) (*Resp, error) {
	resp, err := method(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, apiError(err)
	}
	return resp.Msg, nil
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

func newSubjectCmd(g *globals) *cobra.Command {
	var asOf func() (*timestamppb.Timestamp, apiv1.TimeAxis, error)
	c := queryCmd(g, "subject", "what the ledger holds on a subject, now or as of a time", []string{"TENANT", "SUBJECT"}, false,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			at, axis, err := asOf()
			if err := errors.Join(checkArg("TENANT", pos[0]), checkArg("SUBJECT", pos[1]), err); err != nil {
				return err
			}
			resp, err := call(ctx, q.GetSubject, &apiv1.GetSubjectRequest{Tenant: pos[0], SubjectRef: pos[1], AsOf: at, Axis: axis})
			if err != nil {
				return err
			}
			st := resp.GetSubject()
			if o.format == formatJSON {
				return writeJSONLine(stdout, st)
			}
			p := newPrinter(o.format, stdout, "kind", "key", "state", "at", "detail", "event_id")
			for _, f := range subjectFacts(st) {
				if err := p.row(nil, f...); err != nil {
					return err
				}
			}
			return p.flush()
		})
	asOf = asOfFlags(c, "the state")
	return c
}

// asOfFlags declares --as-of and --axis, of a command that reads the
// ledger as of a time; the function it returns parses them.
func asOfFlags(c *cobra.Command, what string) func() (*timestamppb.Timestamp, apiv1.TimeAxis, error) {
	var at, axis string
	c.Flags().StringVar(&at, "as-of", "", what+" as of this RFC 3339 time (default: now)")
	c.Flags().StringVar(&axis, "axis", "occurred", "the clock --as-of reads: occurred (what was true) or recorded (what the ledger knew)")
	return func() (*timestamppb.Timestamp, apiv1.TimeAxis, error) {
		t, terr := timeFlag("--as-of", at)
		a, aerr := axisFlag(axis)
		return t, a, errors.Join(terr, aerr)
	}
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
	if st.GetAgeBand() != 0 {
		out = append(out, []string{"subject", "age_band", cellEnum(st.GetAgeBand()), cellTime(st.GetAgeBandAt()), "at least its lower bound plus the years since", ""})
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
	for _, u := range st.GetUses() {
		detail := fmt.Sprintf("%d uses from %s", u.GetCount(), cellTime(u.GetFirst()))
		if u.GetProfiling() {
			detail += "; profiling"
		}
		if d := u.GetAutomatedDecision(); d != 0 {
			detail += "; " + d.String()
		}
		out = append(out, []string{"use", u.GetActivityId(), "used", cellTime(u.GetLast()), detail, u.GetEventId()})
	}
	return out
}

// list prints every row of a paged query through p: fetch gets one page,
// cells makes a row's cells (nil: the row is left out).
func list[T proto.Message](o *output, p *printer, fetch func(size int32, token string) ([]T, string, error), cells func(T) []string) error {
	err := pages(o.limit, o.pageSize, fetch, func(r T) error {
		if c := cells(r); c != nil {
			return p.row(r, c...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.flush()
}

func newHistoryCmd(g *globals) *cobra.Command {
	var typ string
	c := queryCmd(g, "history", "a subject's audit trail", []string{"TENANT", "SUBJECT"}, true,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			if err := errors.Join(checkArg("TENANT", pos[0]), checkArg("SUBJECT", pos[1])); err != nil {
				return err
			}
			req := &apiv1.ListHistoryRequest{Tenant: pos[0], SubjectRef: pos[1]}
			p := newPrinter(o.format, stdout, "seq", "occurred_at", "recorded_at", "type", "categories", "purposes", "legal_basis", "recipient_id", "source", "actor", "event_id")
			return list(o, p, func(size int32, token string) ([]*apiv1.AuditRow, string, error) {
				req.PageSize, req.PageToken = size, token
				resp, err := call(ctx, q.ListHistory, req)
				return resp.GetRows(), resp.GetNextPageToken(), err
			}, func(r *apiv1.AuditRow) []string {
				if typ != "" && shortType(r.GetType()) != typ {
					return nil
				}
				actor := ""
				if a := r.GetActor(); a != nil {
					actor = strings.TrimSuffix(cellEnum(a.GetKind())+":"+a.GetId(), ":")
				}
				return []string{fmt.Sprint(r.GetSeq()), cellTime(r.GetOccurredAt()), cellTime(r.GetRecordedAt()), shortType(r.GetType()),
					join(r.GetCategories()), join(r.GetPurposes()), cellEnum(r.GetLegalBasis()), r.GetRecipientId(), r.GetSource(), actor, r.GetEventId()}
			})
		})
	c.Flags().StringVar(&typ, "type", "", "only events of this type, e.g. SubjectDataExported: who read the subject's values, when")
	return c
}

func newDisclosuresCmd(g *globals) *cobra.Command {
	var subject, recipient, kind, category, purpose, basis, from, to, axis string
	c := queryCmd(g, "disclosures", "the disclosure register: who received what, when, under which basis", []string{"TENANT"}, true,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, stderr io.Writer) error {
			req := &apiv1.ListDisclosuresRequest{Tenant: pos[0], SubjectRef: subject, RecipientId: recipient, Category: category, Purpose: purpose}
			errs := []error{checkArg("TENANT", pos[0]), checkOptToken("--subject", subject), checkOptToken("--recipient", recipient)}
			if category != "" && !taxonomy.IsDataCategory(category) {
				errs = append(errs, errors.New("--category: not a fideslang data category"))
			}
			if purpose != "" && !taxonomy.IsDataUse(purpose) {
				errs = append(errs, errors.New("--purpose: not a fideslang data use"))
			}
			k, err := enumFlag("--kind", recipientKinds, kind)
			errs = append(errs, err)
			req.RecipientKind = eventsRecipientKind(k)
			b, err := enumFlag("--basis", legalBases, basis)
			errs = append(errs, err)
			req.LegalBasis = eventsLegalBasis(b)
			req.From, err = timeFlag("--from", from)
			errs = append(errs, err)
			req.To, err = timeFlag("--to", to)
			errs = append(errs, err)
			if req.From != nil && req.To != nil && req.To.AsTime().Before(req.From.AsTime()) {
				errs = append(errs, errors.New("--to: is before --from"))
			}
			req.Axis, err = axisFlag(axis)
			errs = append(errs, err)
			if err := errors.Join(errs...); err != nil {
				return err
			}
			var withheld uint32
			p := newPrinter(o.format, stdout, "seq", "occurred_at", "subject_ref", "recipient_id", "recipient_kind", "country", "transfer", "categories", "purpose", "legal_basis", "legal_instrument", "event_id")
			err = list(o, p, func(size int32, token string) ([]*apiv1.Disclosure, string, error) {
				req.PageSize, req.PageToken = size, token
				resp, err := call(ctx, q.ListDisclosures, req)
				withheld += resp.GetWithheldConfidential()
				return resp.GetDisclosures(), resp.GetNextPageToken(), err
			}, func(d *apiv1.Disclosure) []string {
				r := d.GetRecipient()
				return []string{fmt.Sprint(d.GetSeq()), cellTime(d.GetOccurredAt()), d.GetSubjectRef(), r.GetId(), cellEnum(r.GetKind()), r.GetCountry(),
					cellEnum(r.GetTransferMechanism()), join(d.GetCategories()), d.GetPurpose(), cellEnum(d.GetLegalBasis()), d.GetLegalInstrumentRef(), d.GetEventId()}
			})
			if withheld > 0 {
				fmt.Fprintf(stderr, "%d confidential disclosures (Art. 23) left out: only a token with the legal role sees them\n", withheld)
			}
			return err
		})
	f := c.Flags()
	f.StringVar(&subject, "subject", "", "only disclosures about this subject reference")
	f.StringVar(&recipient, "recipient", "", "only disclosures to this recipient id")
	f.StringVar(&kind, "kind", "", "only recipients of this kind: "+enumNames(recipientKinds))
	f.StringVar(&category, "category", "", "only this fideslang data category, e.g. user.contact.email")
	f.StringVar(&purpose, "purpose", "", "only this fideslang data use, e.g. marketing.communications.email")
	f.StringVar(&basis, "basis", "", "only this legal basis, e.g. art6_1_a_consent")
	f.StringVar(&from, "from", "", "only disclosures at or after this RFC 3339 time")
	f.StringVar(&to, "to", "", "only disclosures at or before this RFC 3339 time")
	f.StringVar(&axis, "axis", "occurred", "the clock --from and --to read: occurred or recorded")
	return c
}

// newRoPACmd prints the record of processing: as a table, the declared
// activities, what events show and the drift between them; as html, csv
// or json, the record as a document to hand to an authority (Art. 30(4)).
func newRoPACmd(g *globals) *cobra.Command {
	var format, lang string
	c := newCommand("ropa [flags] TENANT", "the record of processing (Art. 30) as a document, or as a table with declared vs. observed drift",
		args("TENANT"), nil)
	asOf := asOfFlags(c, "the record")
	c.Flags().StringVar(&format, "format", formatTable, "table (declared, observed, drift), html (the record to print), pdf, csv (one fact a row) or json (schema "+ropa.Schema+")")
	c.Flags().StringVar(&lang, "lang", ropa.Langs[0], "the language of the html and pdf, and of csv's label column: "+strings.Join(ropa.Langs, " or "))
	c.RunE = func(cmd *cobra.Command, pos []string) error {
		at, axis, err := asOf()
		errs := []error{checkArg("TENANT", pos[0]), err}
		switch format {
		case formatTable, formatCSV, formatJSON, "html", "pdf":
		default:
			errs = append(errs, errors.New("--format: must be table, html, pdf, csv or json"))
		}
		if err := ropa.CheckLang(lang); err != nil {
			errs = append(errs, fmt.Errorf("--lang: %w", err))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		q, err := client(g, apiv1connect.NewQueryServiceClient)
		if err != nil {
			return err
		}
		if at == nil && format != formatTable {
			at = timestamppb.New(time.Now().UTC().Truncate(time.Second)) // the document says when it is of
		}
		resp, err := call(cmd.Context(), q.GetRecordOfProcessing, &apiv1.GetRecordOfProcessingRequest{Tenant: pos[0], AsOf: at, Axis: axis})
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if format == formatTable {
			return printRoPA(w, resp)
		}
		d, err := ropa.Build(pos[0], at.AsTime(), axis, resp)
		if err != nil {
			return err
		}
		switch format {
		case "html":
			return ropa.HTML(w, d, lang)
		case "pdf":
			return ropa.PDF(w, d, lang)
		case formatCSV:
			return ropa.CSV(w, d, lang)
		default:
			return ropa.JSON(w, d)
		}
	}
	return c
}

func newFindingsCmd(g *globals) *cobra.Command {
	var subject, rule, asOf, status, groupBy string
	c := queryCmd(g, "findings", "compliance findings, recorded and time-based, open ones first", []string{"TENANT"}, true,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			req := &apiv1.ListFindingsRequest{Tenant: pos[0], SubjectRef: subject, Rule: rule}
			errs := []error{checkArg("TENANT", pos[0]), checkOptToken("--subject", subject), findingStatusFlag(req, status)}
			if strings.ContainsAny(rule, " \t\n@") || len(rule) > 64 {
				errs = append(errs, errors.New("--rule: not a rule name"))
			}
			switch groupBy {
			case "", "cause":
			default:
				errs = append(errs, errors.New("--group-by: must be cause"))
			}
			if groupBy != "" && status != "" {
				errs = append(errs, errors.New("--group-by: counts every status; not with --status"))
			}
			var err error
			req.AsOf, err = timeFlag("--as-of", asOf)
			errs = append(errs, err)
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if groupBy != "" {
				return printFindingGroups(ctx, q, o, req, stdout)
			}
			p := newPrinter(o.format, stdout, "rule", "status", "arose_at", "subject_ref", "seq", "detail", "event_ids", "finding_id", "group")
			return list(o, p, func(size int32, token string) ([]*apiv1.Finding, string, error) {
				req.PageSize, req.PageToken = size, token
				resp, err := call(ctx, q.ListFindings, req)
				return resp.GetFindings(), resp.GetNextPageToken(), err
			}, func(f *apiv1.Finding) []string {
				return []string{f.GetRule(), cellEnum(f.GetStatus()), cellTime(f.GetAroseAt()), f.GetSubjectRef(), cellCount(f.GetSeq()), f.GetDetail(),
					join(f.GetEventIds()), f.GetFindingId(), f.GetGroup()}
			})
		})
	c.Flags().StringVar(&subject, "subject", "", "only findings about this subject reference")
	c.Flags().StringVar(&rule, "rule", "", "only findings of this rule")
	c.Flags().StringVar(&asOf, "as-of", "", "check time-based rules at this RFC 3339 time, and show findings that arose by then, with their status then (default: now)")
	c.Flags().StringVar(&status, "status", "", "only open findings (open, acknowledged, assigned), closed ones (risk accepted, not applicable, resolved), or one status: "+findingStatusChoices)
	c.Flags().StringVar(&groupBy, "group-by", "", "cause: count findings per group key (what `docket finding --group` takes) and status instead of listing them")
	return c
}

func newRequestsCmd(g *globals) *cobra.Command {
	var subject, status string
	var overdue bool
	c := queryCmd(g, "requests", "data-subject requests and their deadlines", []string{"TENANT"}, true,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			req := &apiv1.ListRequestsRequest{Tenant: pos[0], SubjectRef: subject, Overdue: overdue}
			st, err := enumFlag("--status", requestStatuses, status)
			req.Status = apiv1.RequestStatus(st)
			if err := errors.Join(checkArg("TENANT", pos[0]), checkOptToken("--subject", subject), err); err != nil {
				return err
			}
			p := newPrinter(o.format, stdout, "request_id", "subject_ref", "right", "status", "received_at", "due_at", "closed_at", "extended_months", "outcome", "denial_ground")
			return list(o, p, func(size int32, token string) ([]*apiv1.Request, string, error) {
				req.PageSize, req.PageToken = size, token
				resp, err := call(ctx, q.ListRequests, req)
				return resp.GetRequests(), resp.GetNextPageToken(), err
			}, func(r *apiv1.Request) []string {
				return []string{r.GetRequestId(), r.GetSubjectRef(), cellEnum(r.GetRight()), cellEnum(r.GetStatus()), cellTime(r.GetReceivedAt()),
					cellTimeIn(r.GetDueAt(), r.GetTimeZone()), cellTime(r.GetClosedAt()), cellCount(r.GetExtendedMonths()), requestOutcome(r), cellEnum(r.GetDenialGround())}
			})
		})
	c.Flags().StringVar(&subject, "subject", "", "only requests of this subject reference")
	c.Flags().StringVar(&status, "status", "", "only requests in this status: "+enumNames(requestStatuses))
	c.Flags().BoolVar(&overdue, "overdue", false, "only open requests past their deadline")
	return c
}

func newBreachesCmd(g *globals) *cobra.Command {
	return queryCmd(g, "breaches", "the breach register (Art. 33(5)) and each breach's clock (Art. 33, 34)", []string{"TENANT"}, true,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			if err := checkArg("TENANT", pos[0]); err != nil {
				return err
			}
			req := &apiv1.ListBreachesRequest{Tenant: pos[0]}
			p := newPrinter(o.format, stdout, "breach_id", "detected_at", "risk", "first_notified_at", "hours", "late",
				"phases", "subjects", "closed_at", "categories", "event_ids")
			return list(o, p, func(size int32, token string) ([]*apiv1.Breach, string, error) {
				req.PageSize, req.PageToken = size, token
				resp, err := call(ctx, q.ListBreaches, req)
				return resp.GetBreaches(), resp.GetNextPageToken(), err
			}, breachCells)
		})
}

// breachCells is a register row: "not recorded" stands in for the awareness
// time of a breach whose steps came without a BreachRecorded; late is
// "late" (breach_notified_late), "no", "not required" (risk none) or, while
// the 72 hours run, when they end; subjects says "late" after where they
// stand when breach_subjects_not_informed holds.
func breachCells(b *apiv1.Breach) []string {
	detected := cellTime(b.GetDetectedAt())
	if !b.GetRecorded() {
		detected = "not recorded"
	}
	risk := b.GetRisk()
	if risk == "" {
		risk = "unassessed"
	}
	hours, late := "", ""
	if b.GetFirstNotifiedAt() != nil && b.GetRecorded() {
		hours = fmt.Sprintf("%.1f", b.GetHoursToFirstNotice())
	}
	switch {
	case !b.GetRecorded():
	case b.GetNotifiedLate():
		late = "late"
	case b.GetFirstNotifiedAt() != nil:
		late = "no"
	case !b.GetNotificationRequired():
		late = "not required"
	default:
		late = "due " + cellTime(b.GetNotifyBy())
	}
	var phases []string
	for _, n := range b.GetAuthorityNotices() {
		ph := cellEnum(n.GetPhase())
		if n.GetLegacy() {
			ph = "legacy"
		}
		phases = append(phases, ph)
	}
	subjects := cellEnum(b.GetSubjects())
	if b.GetSubjectsLate() {
		subjects += " late" // breach_subjects_not_informed
	}
	return []string{b.GetBreachId(), detected, risk, cellTime(b.GetFirstNotifiedAt()), hours, late,
		join(phases), subjects, cellTime(b.GetClosedAt()), join(b.GetCategories()), join(b.GetEventIds())}
}
