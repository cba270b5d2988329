package events_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
)

func TestOpenValues(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	e := l.emitter(t, events.EmitterConfig{})
	res, err := e.Append(ctx, collected("u-open", plantedEmail))
	if err != nil {
		t.Fatal(err)
	}
	stored := func() *eventsv1.Event {
		m, err := l.stream.GetMsg(ctx, res[0].Sequence)
		if err != nil {
			t.Fatal(err)
		}
		ev := &eventsv1.Event{}
		if err := proto.Unmarshal(m.Data, ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	ev := stored()
	got, err := events.OpenValues(ctx, ev, l.keyring)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Plaintext != plantedEmail || got[0].Erased || got[0].Category != "user.contact.email" {
		t.Fatalf("opened %+v", got)
	}
	// A value moved to another event, or re-addressed to another subject
	// (with a key, or without one), does not open (the AAD binds it): it
	// is Unreadable, and the rest goes on.
	if _, err := e.Append(ctx, collected("u-other", "x@example.org")); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*eventsv1.Event){
		"another event id":            func(ev *eventsv1.Event) { ev.EventId = "01900000-0000-7000-8000-000000000000" },
		"another subject with a key":  func(ev *eventsv1.Event) { ev.SubjectRef = "u-other" },
		"another subject with no key": func(ev *eventsv1.Event) { ev.SubjectRef = "u-keyless" },
	} {
		other := proto.Clone(ev).(*eventsv1.Event)
		edit(other)
		got, err := events.OpenValues(ctx, other, l.keyring)
		if err != nil || len(got) != 1 || !got[0].Unreadable || got[0].Erased || got[0].Plaintext != "" {
			t.Errorf("a value under %s: %+v, %v; want it unreadable", name, got, err)
		}
	}
	// A value stored unsealed is an error that does not show it.
	plain := proto.Clone(ev).(*eventsv1.Event)
	plain.GetDataCollected().GetValues()[0].Value = &eventsv1.DataValue_Plaintext{Plaintext: plantedEmail}
	if _, err := events.OpenValues(ctx, plain, l.keyring); err == nil || strings.Contains(err.Error(), plantedEmail) {
		t.Fatalf("a plaintext value: %v", err)
	}
	// Shredded: erased for good.
	if err := l.keyring.Shred(ctx, ev.GetTenant(), ev.GetSubjectRef(), events.DefaultKeyGroup); err != nil {
		t.Fatal(err)
	}
	got, err = events.OpenValues(ctx, stored(), l.keyring)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got[0].Erased || got[0].Plaintext != "" {
		t.Fatalf("after the shred: %+v", got)
	}
}
