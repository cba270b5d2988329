package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// newFindingCmd is `docket finding`: record how the controller handled
// findings (a FindingStatusChanged appended through the Append API, with
// an emitter's token of the tenant), or show a finding's history.
func newFindingCmd(g *globals) *cobra.Command {
	st := func(s eventsv1.FindingStatus) eventsv1.FindingStatus { return s }
	return group("finding", "handle findings (acknowledge, assign, accept a risk, not applicable, resolve, reopen) or show one's history",
		newFindingStatusCmd(g, "ack", "acknowledge findings: seen, being looked at", st(eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED)),
		newFindingStatusCmd(g, "assign", "assign findings to a staff member (--to, a pseudonymous staff id)", st(eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED)),
		newFindingStatusCmd(g, "accept-risk", "accept findings as a risk, with a justification (--justification)", st(eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED)),
		newFindingStatusCmd(g, "not-applicable", "mark findings not applicable (a false positive), with a reason (--justification)", st(eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE)),
		newFindingStatusCmd(g, "resolve", "mark findings resolved, by a later event (--by) or with a reason", st(eventsv1.FindingStatus_FINDING_STATUS_RESOLVED)),
		newFindingStatusCmd(g, "reopen", "open findings again", st(eventsv1.FindingStatus_FINDING_STATUS_OPEN)),
		newFindingShowCmd(g),
	)
}

// findingStatusFlags are a status change's flags.
type findingStatusFlags struct {
	group, actor, to, justification, by, source string
}

func newFindingStatusCmd(g *globals, use, short string, status eventsv1.FindingStatus) *cobra.Command {
	var fl findingStatusFlags
	c := newCommand(use+" [flags] TENANT [FINDING_ID...]", short, cobra.MinimumNArgs(1), nil)
	c.RunE = func(cmd *cobra.Command, pos []string) error {
		ev, err := findingStatusEvent(pos[0], pos[1:], status, fl, time.Now())
		if err != nil {
			return err
		}
		client, err := client(g, apiv1connect.NewIngestServiceClient)
		if err != nil {
			return err
		}
		resp, err := client.Append(cmd.Context(), connect.NewRequest(&apiv1.AppendRequest{Events: []*eventsv1.Event{ev}}))
		if err != nil {
			return errors.New(describeAPIError(err, nil))
		}
		r := resp.Msg.GetResults()
		if len(r) != 1 {
			return fmt.Errorf("docketd answered %d results for one event", len(r))
		}
		what := fmt.Sprintf("%d finding(s)", len(pos)-1)
		if fl.group != "" {
			what += " and group " + fl.group
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s recorded by event %s at sequence %d\n", cellEnum(status), what, r[0].GetEventId(), r[0].GetSequence())
		return err
	}
	f := c.Flags()
	f.StringVar(&fl.group, "group", "", "also every finding of this group key (as `docket findings --group-by cause` lists them) that arose by now")
	f.StringVar(&fl.actor, "actor", "", "who decides: a pseudonymous staff id (required)")
	f.StringVar(&fl.source, "source", "", "the event's source (default: the token's, which an emitter token fixes)")
	switch status {
	case eventsv1.FindingStatus_FINDING_STATUS_ASSIGNED:
		f.StringVar(&fl.to, "to", "", "the staff member's pseudonymous id (required)")
	case eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED, eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE:
		f.StringVar(&fl.justification, "justification", "", "why, in words (required; sealed on receipt, shown only as (sealed))")
	case eventsv1.FindingStatus_FINDING_STATUS_RESOLVED:
		f.StringVar(&fl.by, "by", "", "the id of the event that resolved it")
		f.StringVar(&fl.justification, "justification", "", "how, in words (sealed on receipt)")
	default:
		f.StringVar(&fl.justification, "justification", "", "a note, in words (sealed on receipt)")
	}
	return c
}

// findingStatusEvent builds and validates the FindingStatusChanged a
// command records. Its errors name the flag or argument, never a value.
func findingStatusEvent(tenant string, ids []string, status eventsv1.FindingStatus, fl findingStatusFlags, now time.Time) (*eventsv1.Event, error) {
	errs := []error{checkArg("TENANT", tenant), checkArg("--actor", fl.actor), checkOptToken("--source", fl.source)}
	if len(ids) == 0 && fl.group == "" {
		errs = append(errs, errors.New("FINDING_ID: give finding ids, or --group"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, usagef("%w", err)
	}
	ev := &eventsv1.Event{
		EventId: uuid.Must(uuid.NewV7()).String(), Tenant: tenant, OccurredAt: timestamppb.New(now), Source: fl.source,
		Actor:           &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: fl.actor},
		TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_FindingStatusChanged{FindingStatusChanged: &eventsv1.FindingStatusChanged{
			FindingIds: ids, Status: status, Assignee: fl.to, Justification: fl.justification,
			ResolvingEventId: fl.by, Group: fl.group,
		}},
	}
	// With no source named, docketd sets the token's: check the rest.
	if ev.Source == "" {
		ev.Source = "token-source"
		defer func() { ev.Source = "" }()
	}
	if err := events.Validate(ev); err != nil {
		var ve *events.ValidationError
		if errors.As(err, &ve) {
			var ps []string
			for _, p := range ve.Problems {
				ps = append(ps, flagOf(p.Error()))
			}
			return nil, usagef("nothing was sent: %s", strings.Join(ps, "; "))
		}
		return nil, err
	}
	return ev, nil
}

// flagOf renames a validation problem's field to the flag that sets it.
func flagOf(problem string) string {
	r := strings.NewReplacer(
		"finding_status_changed.finding_ids", "FINDING_ID",
		"finding_status_changed.assignee", "--to",
		"finding_status_changed.justification", "--justification",
		"finding_status_changed.resolving_event_id", "--by",
		"finding_status_changed.group", "--group",
		"actor.id", "--actor",
	)
	return r.Replace(problem)
}

// newFindingShowCmd is `docket finding show`: one finding and its history.
func newFindingShowCmd(g *globals) *cobra.Command {
	var asOf string
	c := queryCmd(g, "show", "one finding, its status and the history of how it was handled", []string{"TENANT", "FINDING_ID"}, false,
		func(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, pos []string, stdout, _ io.Writer) error {
			req := &apiv1.GetFindingRequest{Tenant: pos[0], FindingId: pos[1]}
			var err error
			req.AsOf, err = timeFlag("--as-of", asOf)
			if err := errors.Join(checkArg("TENANT", pos[0]), err); err != nil {
				return err
			}
			resp, err := call(ctx, q.GetFinding, req)
			if err != nil {
				return err
			}
			if o.format == formatJSON {
				return writeJSONLine(stdout, resp)
			}
			f := resp.GetFinding()
			if o.format == formatTable {
				exists := "yes"
				if !resp.GetExists() {
					exists = "no (only its history)"
				}
				if _, err := fmt.Fprintf(stdout, "finding  %s\nrule     %s\nstatus   %s\ngroup    %s\nsubject  %s\narose_at %s\nexists   %s\ndetail   %s\n\n",
					f.GetFindingId(), f.GetRule(), cellEnum(f.GetStatus()), f.GetGroup(), f.GetSubjectRef(), cellTime(f.GetAroseAt()), exists, f.GetDetail()); err != nil {
					return err
				}
			}
			p := newPrinter(o.format, stdout, "at", "status", "actor_id", "assignee", "justification", "resolving_event_id", "group", "event_id")
			for _, s := range f.GetHistory() {
				if err := p.row(s, cellTime(s.GetAt()), cellEnum(s.GetStatus()), s.GetActorId(), s.GetAssignee(), s.GetJustification(),
					s.GetResolvingEventId(), s.GetGroup(), s.GetEventId()); err != nil {
					return err
				}
			}
			return p.flush()
		})
	c.Flags().StringVar(&asOf, "as-of", "", "the finding and its status at this RFC 3339 time (default: now)")
	return c
}

// findingStatusChoices are what `docket findings --status` takes ("open"
// is the open class: never handled, open again, acknowledged or assigned).
const findingStatusChoices = "open|closed|acknowledged|assigned|risk_accepted|not_applicable|resolved"

// findingStatusFlag reads `docket findings --status`: open, closed, or one
// status.
func findingStatusFlag(req *apiv1.ListFindingsRequest, s string) error {
	switch s {
	case "":
	case "open":
		req.StatusFilter = apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_OPEN
	case "closed":
		req.StatusFilter = apiv1.FindingStatusFilter_FINDING_STATUS_FILTER_CLOSED
	default:
		n, err := enumFlag("--status", eventsv1.FindingStatus(0).Descriptor(), s)
		if err != nil {
			return errors.New("--status: must be " + findingStatusChoices)
		}
		req.Status = eventsv1.FindingStatus(n)
	}
	return nil
}

// printFindingGroups prints `docket findings --group-by cause`.
func printFindingGroups(ctx context.Context, q apiv1connect.QueryServiceClient, o *output, req *apiv1.ListFindingsRequest, stdout io.Writer) error {
	resp, err := call(ctx, q.ListFindingGroups, &apiv1.ListFindingGroupsRequest{Tenant: req.GetTenant(), SubjectRef: req.GetSubjectRef(), Rule: req.GetRule(), AsOf: req.GetAsOf()})
	if err != nil {
		return err
	}
	p := newPrinter(o.format, stdout, "group", "rule", "total", "open", "by_status", "first_arose_at", "last_arose_at")
	for i, gr := range resp.GetGroups() {
		if o.limit > 0 && i >= o.limit {
			break
		}
		var by []string
		for _, c := range gr.GetByStatus() {
			by = append(by, fmt.Sprintf("%s=%d", cellEnum(c.GetStatus()), c.GetCount()))
		}
		if err := p.row(gr, gr.GetGroup(), gr.GetRule(), fmt.Sprint(gr.GetTotal()), fmt.Sprint(gr.GetOpen()), strings.Join(by, ","),
			cellTime(gr.GetFirstAroseAt()), cellTime(gr.GetLastAroseAt())); err != nil {
			return err
		}
	}
	return p.flush()
}
