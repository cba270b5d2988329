package cli_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/cli"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// runAs runs the command line with token.
func runAs(t *testing.T, token string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	os.Setenv("DOCKET_TOKEN", token)
	defer os.Unsetenv("DOCKET_TOKEN")
	return run(t, args...)
}

// TestFindingAcknowledgedThenResolved is issue 17's done-when case, end to
// end against a real docketd: a disclosure to a recipient no activity
// declares raises a finding; `docket finding ack` and then `docket
// finding resolve` (each a FindingStatusChanged through the Append API,
// with the tenant's emitter token) show as two steps of its history, in
// order, with the actor, and the words of the resolution sealed. The
// finding moves from the open list to the closed one; its group counts it.
func TestFindingAcknowledgedThenResolved(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	api := []string{"--api", d.APIURL()}
	disclosure := &eventsv1.Event{EventId: newID(), Tenant: "acme", SubjectRef: "s-fnd",
		OccurredAt: timestamppb.New(time.Now().Add(-time.Hour)), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
			Recipient: &eventsv1.Recipient{Id: "adtech", Name: "AdTech", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, Country: "DE",
				TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
			Categories: []string{"user.contact.email"}, Purpose: "essential.service", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		}}}
	if _, err := d.Emitter.Append(ctx, disclosure); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 1 })
	id := "disclosure_to_undeclared_recipient:" + disclosure.GetEventId()
	const words = "fixed in the catalogue, asked " + canary

	list := func(status string) string {
		t.Helper()
		code, out, errOut := runAs(t, dpoToken, append([]string{"findings", "acme", "--status", status, "--format", "csv"}, api...)...)
		if code != cli.ExitOK {
			t.Fatalf("findings --status %s: exit %d: %s", status, code, errOut)
		}
		return out
	}
	if out := list("open"); !strings.Contains(out, "disclosure_to_undeclared_recipient,open,") || !strings.Contains(out, id+",disclosure_to_undeclared_recipient:adtech") {
		t.Fatalf("open findings, before handling:\n%s", out)
	}

	// A risk acceptance without words is refused before anything is sent.
	if code, _, errOut := runAs(t, emitterToken, append([]string{"finding", "accept-risk", "acme", id, "--actor", "staff-7"}, api...)...); code != cli.ExitFailure || !strings.Contains(errOut, "--justification") {
		t.Fatalf("accept-risk without --justification: exit %d: %s", code, errOut)
	}
	for _, args := range [][]string{
		{"finding", "ack", "acme", id, "--actor", "staff-7"},
		{"finding", "resolve", "acme", id, "--actor", "staff-9", "--justification", words},
	} {
		if code, out, errOut := runAs(t, emitterToken, append(args, api...)...); code != cli.ExitOK || !strings.Contains(out, "recorded by event") {
			t.Fatalf("%v: exit %d: %s%s", args[:2], code, out, errOut)
		}
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 3 })

	code, out, errOut := runAs(t, dpoToken, append([]string{"finding", "show", "acme", id, "--format", "csv"}, api...)...)
	if code != cli.ExitOK {
		t.Fatalf("finding show: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "at,status,actor_id,assignee,justification,resolving_event_id,group,event_id" ||
		!strings.Contains(lines[1], ",acknowledged,staff-7,,,,,") || !strings.Contains(lines[2], ",resolved,staff-9,,(sealed),,,") {
		t.Fatalf("history of %s: want the acknowledgement then the resolution:\n%s", id, out)
	}
	if strings.Contains(out, canary) {
		t.Fatal("the history shows a justification's words")
	}
	code, out, _ = runAs(t, dpoToken, append([]string{"finding", "show", "acme", id}, api...)...)
	if code != cli.ExitOK || !strings.Contains(out, "status   resolved") {
		t.Fatalf("finding show (table):\n%s", out)
	}
	if out := list("open"); strings.Contains(out, id) {
		t.Errorf("a resolved finding is still listed open:\n%s", out)
	}
	if out := list("closed"); !strings.Contains(out, "disclosure_to_undeclared_recipient,resolved,") {
		t.Errorf("the resolved finding is not listed closed:\n%s", out)
	}
	code, out, errOut = runAs(t, dpoToken, append([]string{"findings", "acme", "--group-by", "cause", "--format", "csv"}, api...)...)
	if code != cli.ExitOK || !strings.Contains(out, "disclosure_to_undeclared_recipient:adtech,disclosure_to_undeclared_recipient,1,0,resolved=1,") {
		t.Errorf("findings --group-by cause: exit %d\n%s%s", code, out, errOut)
	}
}
