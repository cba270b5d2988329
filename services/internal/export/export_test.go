package export_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/testkit/golden"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
	"google.golang.org/protobuf/proto"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden builds the access and portability export of the fixed ledger
// (ledgertest) in both forms and compares each, byte for byte, with its
// golden file; -update rewrites them. The access report (HTML) is built
// from StartAccess's ledger, which adds a controller profile, a password,
// fraud checks with an automated decision and a transfer to the United
// States, in English and in German; the portability export (JSON) from
// Start's. The export is recorded in the ledger, and the record says what
// the export showed and withheld.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file       string
		start      func(*testing.T) *ledgertest.Ledger
		format     export.Format
		language   string
		wantType   string
		wantFormat eventsv1.ExportFormat
	}{
		{"export.html", ledgertest.StartAccess, export.HTML, "en", "text/html; charset=utf-8", eventsv1.ExportFormat_EXPORT_FORMAT_HTML},
		{"export.de.html", ledgertest.StartAccess, export.HTML, "de-AT", "text/html; charset=utf-8", eventsv1.ExportFormat_EXPORT_FORMAT_HTML},
		{"export.json", ledgertest.Start, export.JSON, "", "application/json", eventsv1.ExportFormat_EXPORT_FORMAT_JSON},
	} {
		t.Run(tc.file, func(t *testing.T) {
			l := tc.start(t)
			x := newExporter(t, l, ledgertest.Now)
			verifier, err := checkpoint.NewVerifier(l.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			stream, err := l.JS.Stream(t.Context(), events.DefaultStream)
			if err != nil {
				t.Fatal(err)
			}
			shown := -1 // the subject's events but the confidential disclosure
			for _, ev := range l.Events {
				if ev.GetSubjectRef() == ledgertest.Subject {
					shown++
				}
			}
			res, err := x.Export(t.Context(), export.Request{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject,
				Format: tc.format, RequestID: "req-1", ActorID: "dpo-1", Language: tc.language})
			if err != nil {
				t.Fatal(err)
			}
			if res.ContentType != tc.wantType {
				t.Errorf("content type %q, want %q", res.ContentType, tc.wantType)
			}
			if res.Withheld != 1 {
				t.Errorf("withheld %d disclosures, want 1 (event %d, confidential until 2027)", res.Withheld, ledgertest.Withheld)
			}
			golden.Check(t, filepath.Join("testdata", tc.file), res.Body, *update)

			// Each proof holds with the log's public key alone.
			if n := len(res.Report.Verification.Bundles); n != shown-ledgertest.Unsigned {
				t.Errorf("%d proofs, want %d (the shown events the checkpoint covers)", n, shown-ledgertest.Unsigned)
			}
			for _, b := range res.Report.Verification.Bundles {
				if _, err := proof.Verify(b, verifier, nil, 0); err != nil {
					t.Errorf("the proof of sequence %d: %v", b.Sequence, err)
				}
			}

			// The ledger's last event is the export's record.
			m, err := stream.GetLastMsgForSubject(t.Context(), ">")
			if err != nil {
				t.Fatal(err)
			}
			ev := &eventsv1.Event{}
			if err := proto.Unmarshal(m.Data, ev); err != nil {
				t.Fatal(err)
			}
			rec := ev.GetSubjectDataExported()
			if ev.GetEventId() != res.EventID || rec.GetFormat() != tc.wantFormat || rec.GetRequestId() != "req-1" ||
				rec.GetEvents() != uint32(shown) || rec.GetWithheldDisclosures() != 1 || rec.GetTreeSize() != uint64(len(l.Events)-ledgertest.Unsigned) ||
				ev.GetActor().GetId() != "dpo-1" || !ev.GetOccurredAt().AsTime().Equal(ledgertest.Now) {
				t.Errorf("recorded %v, want the export %s of format %v for req-1 by dpo-1 at %s, %d events shown, 1 withheld, tree size %d",
					ev, res.EventID, tc.wantFormat, ledgertest.Now, shown, len(l.Events)-ledgertest.Unsigned)
			}
		})
	}
}

func newExporter(t *testing.T, l *ledgertest.Ledger, now time.Time) *export.Exporter {
	t.Helper()
	x, err := export.New(export.Config{Reader: l.Store, Keys: l.Keys, Tree: l.Tree, Checkpoints: l.Checkpoints,
		Record: l.Record, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return x
}
