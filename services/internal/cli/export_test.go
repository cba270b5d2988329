package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const exportCanary = "export-canary-4471@example.org"

// TestExportSubject: a subject's JSON and HTML exports hold its data
// (decrypted), the recipients by identity and proofs that verify offline;
// a disclosure under a gag order is left out until its date; every export
// is recorded in the ledger; after the key is shredded the value shows as
// erased.
func TestExportSubject(t *testing.T) {
	d := startDaemon(t, fastCheckpoints)
	c := d.Config
	ctx := context.Background()
	api := d.APIURL()

	base := time.Now().UTC().Add(-time.Hour)
	ev := func(i int) *eventsv1.Event {
		return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-exp",
			OccurredAt: timestamppb.New(base.Add(time.Duration(i) * time.Minute)), Source: "crm", TaxonomyVersion: "fideslang-3.1"}
	}
	collect := ev(1)
	collect.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		ActivityId: "accounts", Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, CollectionSource: "data_subject",
		Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: exportCanary}}},
	}}
	disclose := func(i int, id, name string, kind eventsv1.RecipientKind, until time.Time) *eventsv1.Event {
		e := ev(i)
		d := &eventsv1.DisclosureMade{
			Recipient: &eventsv1.Recipient{Id: id, Name: name, Kind: kind, Country: "DE",
				TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
			Categories: []string{"user.contact.email"}, Purpose: "essential.service",
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION, LegalInstrumentRef: "order-" + id,
		}
		if !until.IsZero() {
			d.ConfidentialUntil = timestamppb.New(until)
		}
		e.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: d}
		return e
	}
	gagEnds := time.Now().Add(4 * time.Second)
	evs := []*eventsv1.Event{
		collect,
		disclose(2, "mailer", "Mailer Ltd", eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR, time.Time{}),
		disclose(3, "insurer-old", "Insurer (old order)", eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, base),
		disclose(4, "insurer-gagged", "Insurer (gagged)", eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, gagEnds),
	}
	if _, err := d.Emitter.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	gaggedID := evs[3].GetEventId()
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 4 })
	waitForCheckpoint(t, d, 4)

	dir := t.TempDir()
	code, out, errOut := run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--format", "json", "--request-id", "req-1", "--actor", "dpo-1", "--bundles-dir", dir)
	if code != 0 {
		t.Fatalf("export json: %s", errOut)
	}
	var r export.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("the JSON export does not parse: %v", err)
	}
	if r.Schema != export.Schema || r.RequestID != "req-1" {
		t.Fatalf("schema %q request %q", r.Schema, r.RequestID)
	}
	if len(r.Data) != 1 || r.Data[0].Value != exportCanary || !r.Data[0].Current || len(r.Provided) != 1 {
		t.Fatalf("data %+v, provided %+v", r.Data, r.Provided)
	}
	var names []string
	for _, rc := range r.Recipients {
		names = append(names, rc.Name)
	}
	if strings.Join(names, ",") != "Insurer (old order),Mailer Ltd" {
		t.Fatalf("recipients %v; the gagged disclosure must be left out, the others shown by name", names)
	}
	if strings.Contains(out, gaggedID) || strings.Contains(out, "gagged") {
		t.Fatal("the export mentions the disclosure under a gag order")
	}
	// Every bundle verifies offline with the log's key alone.
	code, vkey, _ := run(t, "keys", "public", "--key-file", filepath.Join(c.DataDir, "keys", "notary.key"))
	if code != 0 {
		t.Fatal("keys public failed")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "seq-*.json"))
	if len(files) != len(r.Verification.Bundles) || len(files) == 0 {
		t.Fatalf("%d bundle files for %d bundles", len(files), len(r.Verification.Bundles))
	}
	for _, f := range files {
		if code, out, errOut := run(t, "verify", "event", f, "--key", strings.TrimSpace(vkey)); code != 0 {
			t.Fatalf("verify event %s: %s%s", filepath.Base(f), out, errOut)
		}
	}

	// docketd publishes the export's schema, without a token: it holds no
	// data.
	resp, err := http.Get(api + export.SchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	served, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(served, export.PortabilitySchema) ||
		resp.Header.Get("Content-Type") != "application/schema+json" {
		t.Fatalf("GET %s: %s %q, %d bytes (%v), want the %d bytes of export.PortabilitySchema",
			export.SchemaPath, resp.Status, resp.Header.Get("Content-Type"), len(served), err, len(export.PortabilitySchema))
	}

	// The HTML report, with its proofs apart from it (--proofs-out) and
	// as bundle files (--bundles-dir): the same bundles as the JSON
	// export's, each verifying offline.
	proofsFile, htmlBundles := filepath.Join(t.TempDir(), "proofs.json"), t.TempDir()
	code, html, errOut := run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test",
		"--proofs-out", proofsFile, "--bundles-dir", htmlBundles)
	if code != 0 {
		t.Fatalf("export html: %s", errOut)
	}
	var proofs export.Proofs
	if data, err := os.ReadFile(proofsFile); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(data, &proofs); err != nil {
		t.Fatalf("the proofs do not parse: %v", err)
	}
	if proofs.Schema != export.ProofsSchema || proofs.SubjectRef != "s-exp" || proofs.ExportEventID == "" ||
		len(proofs.Verification.Bundles) != len(r.Verification.Bundles) {
		t.Fatalf("proofs %s of %s for export %q with %d bundles, want %s of s-exp, an export event, %d bundles",
			proofs.Schema, proofs.SubjectRef, proofs.ExportEventID, len(proofs.Verification.Bundles), export.ProofsSchema, len(r.Verification.Bundles))
	}
	if !strings.Contains(errOut, proofs.ExportEventID) {
		t.Errorf("the proofs name export %s; the export was recorded as: %s", proofs.ExportEventID, errOut)
	}
	files, _ = filepath.Glob(filepath.Join(htmlBundles, "seq-*.json"))
	if len(files) != len(r.Verification.Bundles) {
		t.Fatalf("%d bundle files of the HTML export for %d bundles", len(files), len(r.Verification.Bundles))
	}
	for _, f := range files {
		if code, out, errOut := run(t, "verify", "event", f, "--key", strings.TrimSpace(vkey)); code != 0 {
			t.Fatalf("verify event %s of the HTML export: %s%s", filepath.Base(f), out, errOut)
		}
	}
	for _, want := range []string{exportCanary, "Mailer Ltd", "Your rights", "docket verify event"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	if strings.Contains(html, "gagged") {
		t.Error("the HTML report mentions the gagged disclosure")
	}

	// Each export is in the ledger, with who produced it.
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 6 })
	code, hist, _ := run(t, "history", "acme", "s-exp", "--api", api, "--format", "json")
	if code != 0 || strings.Count(hist, "SubjectDataExported") != 2 || !strings.Contains(hist, "dpo-1") {
		t.Fatalf("history after two exports:\n%s", hist)
	}
	// Legal lists who read the subject's values: the exports alone.
	code, reads, _ := run(t, "history", "acme", "s-exp", "--api", api, "--format", "csv", "--type", "SubjectDataExported")
	if lines := strings.Split(strings.TrimSpace(reads), "\n"); code != 0 || len(lines) != 3 || strings.Count(reads, "staff:dpo-1") != 2 {
		t.Fatalf("history --type SubjectDataExported:\n%s", reads)
	}

	// An erasure: the Art. 19 saga makes notices due to every recipient
	// (third parties: an authority given the data under a legal
	// obligation is no Art. 4(9) recipient, and would get none); the
	// export names those the subject may know of.
	erase := ev(5)
	erase.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{RequestId: "req-1", System: "crm", RecordsErased: 1}}
	if _, err := d.Emitter.Append(ctx, erase); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		st, err := d.ReadModels().Reader().Subject(ctx, "acme", "s-exp")
		return err == nil && len(st.Notifications) == 3
	})
	code, out, _ = run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--format", "json")
	var passed export.Report
	if code != 0 || json.Unmarshal([]byte(out), &passed) != nil {
		t.Fatal("export after the erasure failed")
	}
	var told []string
	for _, n := range passed.PassedOn {
		told = append(told, n.RecipientID+":"+n.Status)
	}
	if strings.Join(told, ",") != "insurer-old:open,mailer:open" || strings.Contains(out, "gagged") {
		t.Fatalf("passed on to %v; want mailer and insurer-old, and no word of the gagged one", told)
	}

	// In German, on request (--language).
	code, html, errOut = run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--language", "de-AT")
	if code != 0 {
		t.Fatalf("export html --language de-AT: %s", errOut)
	}
	for _, want := range []string{`<html lang="de">`, "Ihre Rechte", "Grenzen dieses Berichts"} {
		if !strings.Contains(html, want) {
			t.Errorf("the German HTML report lacks %q", want)
		}
	}

	// On the date, the gagged disclosure is shown.
	time.Sleep(time.Until(gagEnds) + 100*time.Millisecond)
	code, out, _ = run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--format", "json")
	if code != 0 || !strings.Contains(out, "Insurer (gagged)") {
		t.Fatal("after confidential_until the disclosure is still left out")
	}

	// Shredded: the value is erased, the proofs still verify.
	wantRun(t, cli.ExitOK, "shred", "acme", "s-exp", "--api", api)
	code, out, _ = run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--format", "json")
	if code != 0 {
		t.Fatal("export after the shred failed")
	}
	if strings.Contains(out, exportCanary) || !strings.Contains(out, `"erased": true`) {
		t.Fatal("after the shred the value is still shown, or not marked erased")
	}

	// Bad input is refused, naming the argument.
	if code, _, errOut := run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--format", "pdf"); code != cli.ExitFailure || !strings.Contains(errOut, "--format") {
		t.Fatalf("--format pdf: exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, "export", "acme", "s-exp", "--api", api, "--justification", "test", "--language", "de AT!"); code != cli.ExitFailure || !strings.Contains(errOut, "language") {
		t.Fatalf("--language \"de AT!\": exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, "export", "acme", "nobody", "--api", api, "--justification", "test"); code != cli.ExitFailure || !strings.Contains(errOut, "not found") {
		t.Fatalf("unknown subject: exit %d: %s", code, errOut)
	}
	_, err = d.API(d.Admin(t)).Rights.ExportSubject(ctx, connect.NewRequest(&apiv1.ExportSubjectRequest{Tenant: "a b", SubjectRef: "s-exp"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "tenant") || !strings.Contains(err.Error(), "format") {
		t.Fatalf("API export with a bad tenant and no format: %v", err)
	}
	_, err = d.API(d.Admin(t)).Rights.ProveErasure(ctx, connect.NewRequest(&apiv1.ProveErasureRequest{Tenant: "acme", SubjectRef: "s-exp", Language: "fr"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "language") {
		t.Fatalf("API proof of erasure in fr: %v", err)
	}
}
