package daemon_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/daemon"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ownBackend is the test's read-model database: SQLite in a file of the
// test's choosing, outside docketd's data dir, that tells when docketd
// closes it.
type ownBackend struct {
	readmodels.Backend
	closed bool
}

func (b *ownBackend) Close() error {
	b.closed = true
	return b.Backend.Close()
}

// recorded is what docketd recorded itself through the test's recorder,
// by payload type.
type recorded struct {
	mu    sync.Mutex
	kinds []string
}

func (r *recorded) wrap(next daemon.Recorder) daemon.Recorder {
	return func(ctx context.Context, ev *eventsv1.Event) error {
		r.mu.Lock()
		r.kinds = append(r.kinds, string(ev.ProtoReflect().WhichOneof(ev.ProtoReflect().Descriptor().Oneofs().ByName("payload")).Name()))
		r.mu.Unlock()
		return next(ctx, ev)
	}
}

func (r *recorded) has(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.kinds, kind)
}

// TestAssembleFromParts builds docketd with two parts of the test's own: a
// read-model database and a recorder of docketd's own events. The read
// models are projected into the test's database (docketd makes none in its
// data dir, and closes the test's on shutdown), and the one recorder is
// the one that the Rights API (a shred, an export) and the Art. 19 saga
// (the notice a shred makes due) record through.
func TestAssembleFromParts(t *testing.T) {
	ctx := context.Background()
	c := docketdtest.Config(t)
	dir := c.DataDir
	checkpointEvery(1)(&c)
	dbPath := filepath.Join(t.TempDir(), "own-readmodels.db")
	b, err := readmodels.OpenBackend(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	backend := &ownBackend{Backend: b}
	var rec recorded
	d, err := daemon.Assemble(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)),
		daemon.Adapters{ReadModels: backend, Record: rec.wrap})
	if err != nil {
		t.Fatalf("daemon.Assemble: %v", err)
	}
	defer d.Shutdown(ctx)

	at := time.Now().Add(-time.Hour)
	res, err := d.Emitter.Append(ctx, collected("acme", "s-parts", at),
		&eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-parts", OccurredAt: timestamppb.New(at),
			Source: "crm", TaxonomyVersion: "fideslang-3.1",
			Payload: &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
				Recipient: &eventsv1.Recipient{Id: "mailer", Name: "Mailer", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
					Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
				Categories: []string{"user.contact.email"}, Purpose: "essential.service",
				LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT}}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the read models to apply the events", func() bool {
		return d.ReadModels().Status().Checkpoint >= res[1].Sequence
	})
	tok, err := d.NewToken(ctx, auth.Spec{Name: "dpo", Roles: []auth.Role{auth.Legal, auth.DPO}, Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	rights := docketdtest.NewAPI(d.APIURL(), tok).Rights
	if _, err := rights.ExportSubject(ctx, connect.NewRequest(&apiv1.ExportSubjectRequest{Tenant: "acme", SubjectRef: "s-parts",
		Format: eventsv1.ExportFormat_EXPORT_FORMAT_JSON, Justification: "parts test"})); err != nil {
		t.Fatalf("ExportSubject: %v", err)
	}
	if _, err := rights.ShredKeys(ctx, connect.NewRequest(&apiv1.ShredKeysRequest{Tenant: "acme", SubjectRef: "s-parts"})); err != nil {
		t.Fatalf("ShredKeys: %v", err)
	}
	for _, kind := range []string{"subject_data_exported", "subject_key_shredded", "recipient_notification_due"} {
		eventually(t, "docketd to record "+kind+" through the test's recorder", func() bool { return rec.has(kind) })
	}

	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("the test's read-model database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "readmodels.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("docketd made read models of its own in its data dir: %v", err)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !backend.closed {
		t.Error("docketd did not close the test's read-model database")
	}
}
