package cli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/nats-io/nats-server/v2/server"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const rotateCanary = "rotate-canary-5150@example.org"

func collected(subject string) *eventsv1.Event {
	return &eventsv1.Event{EventId: newID(), Tenant: "acme", SubjectRef: subject,
		OccurredAt: timestamppb.Now(), Source: "crm", TaxonomyVersion: "fideslang-3.1",
		Payload: &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
			ActivityId: "accounts", Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
			LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT, CollectionSource: "data_subject",
			Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: rotateCanary}}},
		}}}
}

// openStored opens the values of the stored event at seq with d's Keyring.
func openStored(t *testing.T, d *docketdtest.Docketd, seq uint64) ([]events.Opened, error) {
	t.Helper()
	ctx := context.Background()
	ev := d.StoredEvent(t, seq)
	return events.OpenValues(ctx, ev, d.Keyring)
}

// TestKeysRotateKEK: values appended under one KEK open after `docket keys
// rotate-kek` with a docketd that has only the new KEK, and no longer with
// the old one; a shredded key stays shredded; a wrong old KEK or a KEK
// file readable by others changes nothing. Both connection modes run: an
// external NATS (--nats-url) and the embedded store (--data-dir).
func TestKeysRotateKEK(t *testing.T) {
	ctx := context.Background()
	c := docketdtest.Config(t)
	oldFile := c.KEKPath()

	// Under the old KEK: one value kept, one subject shredded.
	d := docketdtest.Start(t, c)
	res, err := d.Emitter.Append(ctx, collected("s-rot"), collected("s-gone"))
	if err != nil {
		t.Fatal(err)
	}
	keptSeq, goneSeq := res[0].Sequence, res[1].Sequence
	if err := d.Keyring.Shred(ctx, "acme", "s-gone", "default"); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	keyDir := t.TempDir()
	newFile := filepath.Join(keyDir, "kek-2")
	out, _ := wantRun(t, 0, "keys", "generate-kek", "--out", newFile)
	newHex, oldHex := []byte(readFile(t, newFile)), []byte(readFile(t, oldFile))
	if strings.Contains(out, strings.TrimSpace(string(newHex))) {
		t.Error("generate-kek printed the key")
	}
	wantRun(t, cli.ExitFailure, "keys", "generate-kek", "--out", newFile) // never overwrites
	if again, _ := os.ReadFile(newFile); string(again) != string(newHex) {
		t.Fatal("generate-kek overwrote the file")
	}

	// An external NATS server on docketd's store, docketd stopped.
	ns := natstest.Start(t, func(o *server.Options) { o.StoreDir = filepath.Join(c.DataDir, "jetstream") })
	url := ns.ClientURL()

	t.Run("refusals change nothing", func(t *testing.T) {
		wide := filepath.Join(keyDir, "kek-wide")
		if err := os.WriteFile(wide, newHex, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(wide, 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut := wantRun(t, cli.ExitFailure, "keys", "rotate-kek", "--nats-url", url, "--old-kek-file", oldFile, "--new-kek-file", wide)
		if !strings.Contains(errOut, "wider than 0600") {
			t.Errorf("a 0644 new KEK file: %s", errOut)
		}
		if err := os.Chmod(oldFile, 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut = wantRun(t, cli.ExitFailure, "keys", "rotate-kek", "--nats-url", url, "--old-kek-file", oldFile, "--new-kek-file", newFile)
		if !strings.Contains(errOut, "wider than 0600") {
			t.Errorf("a 0644 old KEK file: %s", errOut)
		}
		if err := os.Chmod(oldFile, 0o600); err != nil {
			t.Fatal(err)
		}
		wrong := filepath.Join(keyDir, "kek-wrong")
		wantRun(t, 0, "keys", "generate-kek", "--out", wrong)
		out, errOut := wantRun(t, cli.ExitFailure, "keys", "rotate-kek", "--nats-url", url, "--old-kek-file", wrong, "--new-kek-file", newFile)
		if !strings.Contains(errOut, "nothing was changed") || !strings.Contains(out, "rewrapped: 0") {
			t.Errorf("a wrong old KEK:\nstdout: %s\nstderr: %s", out, errOut)
		}
		wantRun(t, 2, "keys", "rotate-kek", "--old-kek-file", oldFile, "--new-kek-file", newFile) // no store
	})

	out, errOut := wantRun(t, 0, "keys", "rotate-kek", "--nats-url", url, "--old-kek-file", oldFile, "--new-kek-file", newFile)
	if !strings.Contains(out, "rewrapped: 1\n") || !strings.Contains(out, "shredded (skipped): 1\n") {
		t.Errorf("rotate-kek output:\n%s", out)
	}
	for _, k := range [][]byte{oldHex, newHex} {
		if strings.Contains(out+errOut, strings.TrimSpace(string(k))) {
			t.Error("rotate-kek printed a KEK")
		}
	}
	ns.Shutdown()
	ns.WaitForShutdown()

	// Again, on the embedded store: nothing left to do.
	out, _ = wantRun(t, 0, "keys", "rotate-kek", "--data-dir", c.DataDir, "--old-kek-file", oldFile, "--new-kek-file", newFile)
	if !strings.Contains(out, "rewrapped: 0\nalready on the new KEK: 1\n") {
		t.Errorf("second rotate-kek output:\n%s", out)
	}

	// docketd with only the new KEK opens the value; the shredded one
	// stays erased.
	c2 := c
	c2.KEKFile = newFile
	d = docketdtest.Start(t, c2)
	opened, err := openStored(t, d, keptSeq)
	if err != nil {
		t.Fatalf("opening a value with the new KEK: %v", err)
	}
	if len(opened) != 1 || opened[0].Plaintext != rotateCanary {
		t.Fatalf("opened %+v", opened)
	}
	opened, err = openStored(t, d, goneSeq)
	if err != nil || len(opened) != 1 || !opened[0].Erased {
		t.Fatalf("the shredded value: %+v, %v; want erased", opened, err)
	}
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// docketd with the old KEK no longer does.
	d = docketdtest.Start(t, c)
	if _, err := openStored(t, d, keptSeq); !errors.Is(err, keys.ErrUnwrap) {
		t.Fatalf("opening a value with the old KEK after the rotation: %v, want ErrUnwrap", err)
	}
}
