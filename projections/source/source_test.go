package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/source/corrupttest"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func consent(ref string) *eventsv1.Event {
	return &eventsv1.Event{
		EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
		OccurredAt: timestamppb.New(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)),
		Source:     "web", TaxonomyVersion: taxonomy.Version,
		Payload: &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
			Purpose: "marketing.communications.email", Method: eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK,
			Channel: eventsv1.Channel_CHANNEL_EMAIL,
		}},
	}
}

func TestReaderEachInOrderWithRecordedAt(t *testing.T) {
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
	ctx := context.Background()
	if _, err := events.EnsureStream(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	kek, _ := keys.NewLocalKEK(bytes.Repeat([]byte{1}, 32))
	kr, _ := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	e, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	refs := []string{"a", "b", "c"}
	var all []*eventsv1.Event
	for i := 0; i < 1200; i++ {
		all = append(all, consent(refs[i%3]))
	}
	for i := 0; i < len(all); i += 400 {
		if _, err := e.Append(ctx, all[i:i+400]...); err != nil {
			t.Fatal(err)
		}
	}
	r, err := source.NewReader(js, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var prev uint64
	err = r.Each(ctx, 1, 250, func(rec source.Record) error {
		if rec.Sequence != prev+1 {
			return fmt.Errorf("sequence %d after %d", rec.Sequence, prev)
		}
		if got, want := rec.Event.GetEventId(), all[prev].GetEventId(); got != want {
			return fmt.Errorf("sequence %d holds %s, want %s", rec.Sequence, got, want)
		}
		prev = rec.Sequence
		if rec.RecordedAt.IsZero() || !rec.Event.GetRecordedAt().AsTime().Equal(rec.RecordedAt) {
			return fmt.Errorf("recorded_at not set from the stream at %d", rec.Sequence)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if prev != uint64(len(all)) {
		t.Fatalf("read %d records, want %d", prev, len(all))
	}

	// From the middle, one subject only.
	want := 0
	for _, ev := range all[600:] {
		if ev.GetSubjectRef() == "b" {
			want++
		}
	}
	got := 0
	rb, _ := source.NewReader(js, "", events.SubjectFilter("acme", "b"))
	if err := rb.Each(ctx, 601, 100, func(rec source.Record) error {
		if rec.Event.GetSubjectRef() != "b" || rec.Sequence < 601 {
			return fmt.Errorf("record %d of subject %s", rec.Sequence, rec.Event.GetSubjectRef())
		}
		got++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("subject b from 601: %d records, want %d", got, want)
	}

	stop := errors.New("stop")
	if err := r.Each(ctx, 1, 10, func(source.Record) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Each returned %v, want fn's error", err)
	}
}

func TestDecodeRefusesCorruptRecords(t *testing.T) {
	now := time.Now()
	const canary = "canary-7f3a@example.com"
	for _, tc := range corrupttest.Messages("acme", "a", canary) {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := source.Decode(7, now, tc.Msg.Subject, tc.Msg.Header, tc.Msg.Data)
			var ce *source.CorruptError
			if !errors.Is(err, source.ErrCorrupt) || !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CorruptError", err)
			}
			if ce.Reason != tc.Reason || ce.Sequence != 7 {
				t.Errorf("reason %q at %d, want %q at 7 (%v)", ce.Reason, ce.Sequence, tc.Reason, err)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("the error holds the plaintext value: %v", err)
			}
		})
	}
	good := corrupttest.Msg(corrupttest.Event("acme", "a"))
	rec, err := source.Decode(7, now, good.Subject, good.Header, good.Data)
	if err != nil || rec.Sequence != 7 || !rec.RecordedAt.Equal(now) {
		t.Fatalf("Decode = %+v, %v", rec, err)
	}
}

func TestTenantOf(t *testing.T) {
	for subject, want := range map[string][2]string{
		"docket.acme.a.ConsentWithdrawn": {"acme", "a"},
		"docket.acme._.NoticePublished":  {"acme", ""},
		"docket.odd":                     {"", ""},
		"docket.a.b.c.d":                 {"", ""},
		"other.acme.a.X":                 {"", ""},
	} {
		if tenant, ref := source.TenantOf(subject); tenant != want[0] || ref != want[1] {
			t.Errorf("TenantOf(%q) = %q, %q, want %q, %q", subject, tenant, ref, want[0], want[1])
		}
	}
}
