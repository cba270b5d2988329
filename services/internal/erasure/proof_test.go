package erasure_test

import (
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/testkit/golden"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// taxHold is the erasure request req-2's hold: the billing data (key
// group tax: the name and bank account on the invoices of January 2026)
// are kept under a legal obligation — German commercial and tax law keep
// invoices ten years from the end of the calendar year they were issued
// in (HGB § 257(4), AO § 147(3)): the end of 2026 plus ten years, so until
// 1 January 2037, 00:00 UTC. Recorded when the marketing key was shredded
// (12 March 2026, 10:00), stored after the ledger's 20 events: sequence
// 21, which the checkpoint (size 19) does not cover yet.
func taxHold() *eventsv1.Event {
	return &eventsv1.Event{
		Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject, Source: events.RecordedBy,
		OccurredAt: timestamppb.New(time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)), TaxonomyVersion: "fideslang-3.1",
		Actor: &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: "dpo-1"},
		Payload: &eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: &eventsv1.ErasureExemptionRecorded{
			RequestId: "req-2", KeyGroups: []string{"tax"}, Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION,
			Detail: "invoices kept 10 years (HGB 257, AO 147)", Until: timestamppb.New(time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC)),
		}},
	}
}

// TestProofWithTaxHold: the proof of erasure of req-2 says what was
// shredded (the marketing key, sequence 17), what the newsletter database
// erased (16), whom it told (19), and what was kept: the tax key group,
// on the ground of Art. 17(3)(b), until 1 January 2037 — in English and
// in German, each compared byte for byte with its golden file. The hold's
// words in detail (sealed free text) are not in it.
func TestProofWithTaxHold(t *testing.T) {
	l := ledgertest.StartAfter(t, taxHold())
	p, err := erasure.NewProver(erasure.ProverConfig{Reader: l.Store, Tree: l.Tree, Checkpoints: l.Checkpoints,
		Now: func() time.Time { return ledgertest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang, wantGround string
	}{
		{"en", "Art. 17(3)(b) GDPR: compliance with a legal obligation"},
		{"de", "Art. 17 Abs. 3 lit. b DSGVO: Erfüllung einer rechtlichen Verpflichtung"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			body, doc, err := p.Prove(t.Context(), erasure.ProofRequest{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject,
				RequestID: "req-2", Language: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "erasure-proof."+tc.lang+".json"), body, *update)

			seqs := func(es []erasure.Entry) []uint64 {
				var out []uint64
				for _, e := range es {
					out = append(out, e.Sequence)
				}
				return out
			}
			if got := [][]uint64{seqs(doc.Shredded), seqs(doc.Erasures), seqs(doc.Notices)}; !reflect.DeepEqual(got, [][]uint64{{17}, {16}, {19}}) {
				t.Errorf("shredded, erased, notified at sequences %v, want [[17] [16] [19]]", got)
			}
			if len(doc.Kept) != 1 {
				t.Fatalf("kept %+v, want the tax hold", doc.Kept)
			}
			k := doc.Kept[0]
			if !reflect.DeepEqual(k.KeyGroups, []string{"tax"}) || k.Ground != "ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION" ||
				!strings.HasPrefix(k.GroundText, tc.wantGround) || k.Until == nil || !k.Until.Equal(until) || k.Sequence != 21 ||
				k.Bundle != nil || doc.Pending != 1 {
				t.Errorf("kept %+v (pending %d), want key group tax under %q until %s, sequence 21, not yet proven (pending 1)",
					k, doc.Pending, tc.wantGround, until)
			}
			if strings.Contains(string(body), "HGB") {
				t.Error("the proof holds the hold's free-text detail")
			}
		})
	}
	if _, _, err := p.Prove(t.Context(), erasure.ProofRequest{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject, Language: "fr"}); err != erasure.ErrLanguage {
		t.Errorf("a proof in fr: %v, want ErrLanguage", err)
	}
}
