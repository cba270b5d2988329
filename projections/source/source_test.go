package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
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
	ev := consent("a")
	ev.Source = "web"
	good, _ := proto.Marshal(ev)
	plain := consent("a")
	plain.Payload = &eventsv1.Event_DataCollected{DataCollected: &eventsv1.DataCollected{
		Purposes: []string{"essential.service"}, Categories: []string{"user.contact.email"},
		LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
		Values:     []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: "x@example.com"}}},
	}}
	plainBytes, _ := proto.Marshal(plain)
	now := time.Now()
	for _, tc := range []struct {
		name    string
		subject string
		data    []byte
	}{
		{"garbage", "docket.acme.a.ConsentWithdrawn", []byte{0xff, 0x01, 0x02}},
		{"moved to another subject", "docket.acme.b.ConsentWithdrawn", good},
		{"plaintext value", "docket.acme.a.DataCollected", plainBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := source.Decode(7, now, tc.subject, tc.data); !errors.Is(err, source.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
	rec, err := source.Decode(7, now, "docket.acme.a.ConsentWithdrawn", good)
	if err != nil || rec.Sequence != 7 || !rec.RecordedAt.Equal(now) {
		t.Fatalf("Decode = %+v, %v", rec, err)
	}
}
