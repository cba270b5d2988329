package art19_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source/corrupttest"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/art19"
	"github.com/docketledger/docket/services/internal/testkit/sagatest"
	"github.com/docketledger/docket/services/internal/wmjs"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var discard = slog.New(slog.DiscardHandler)

type fixture struct {
	js    jetstream.JetStream
	em    *events.Emitter
	store model.Store
	proj  *projector.Projector
	saga  *art19.Saga
}

// start runs a real JetStream, the projector into SQLite and the saga
// (record wraps the Emitter: tests may make it fail).
func start(t *testing.T, record func(ctx context.Context, ev *eventsv1.Event) error, due time.Duration) *fixture {
	t.Helper()
	sf := sagatest.Start(t)
	ctx, cancel := context.WithCancel(sf.Ctx)
	js, stream, store, p := sf.JS, sf.Stream, sf.Store, sf.Projector
	f := &fixture{js: js, em: sf.Emitter, store: store, proj: p}
	if record == nil {
		record = func(ctx context.Context, ev *eventsv1.Event) error { return f.append(ctx, ev) }
	}
	saga, err := art19.New(ctx, art19.Config{JetStream: js, Stream: stream, Reader: store,
		ReadPosition: sf.ReadPosition, Record: record, DueIn: due,
		Retries: 2, RetryInterval: 10 * time.Millisecond, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	f.saga = saga
	done := make(chan struct{})
	go func() { defer close(done); _ = saga.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-saga.Running()
	return f
}

func (f *fixture) append(ctx context.Context, evs ...*eventsv1.Event) error {
	_, err := f.em.Append(ctx, evs...)
	return err
}

var base = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func event(ref string, min int) *eventsv1.Event {
	return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: ref,
		OccurredAt: timestamppb.New(base.Add(time.Duration(min) * time.Minute)), Source: "crm", TaxonomyVersion: "fideslang-3.1"}
}

func disclosure(ref, recipient string, min int) *eventsv1.Event {
	ev := event(ref, min)
	ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: &eventsv1.DisclosureMade{
		Recipient: &eventsv1.Recipient{Id: recipient, Name: recipient + " Ltd", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR,
			Country: "DE", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
		Categories: []string{"user.contact.email"}, Purpose: "essential.service", LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
	}}
	return ev
}

func erasure(ref, system string, min int) *eventsv1.Event {
	ev := event(ref, min)
	ev.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: &eventsv1.ErasureExecuted{RequestId: "req-e", System: system, RecordsErased: 2}}
	return ev
}

// notices waits for the subject's notifications to settle at want (by
// recipient: status) and returns them.
func (f *fixture) notices(t *testing.T, ref string, want map[string]string) map[string]*model.Notification {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := f.store.Subject(context.Background(), "acme", ref)
		got := map[string]string{}
		if err == nil {
			for _, n := range st.Notifications {
				got[n.RecipientID] = n.Status
			}
		}
		if len(got) == len(want) && func() bool {
			for k, v := range want {
				if got[k] != v {
					return false
				}
			}
			return true
		}() {
			return st.Notifications
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications of %s: %v, want %v", ref, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSagaFansOutToTheRecipients: an erasure makes a notice due to
// exactly the recipients that got the subject's data; a second system's
// erasure of the same request adds none; a notice sent closes one, and the
// other, past due, is a finding.
func TestSagaFansOutToTheRecipients(t *testing.T) {
	f := start(t, nil, time.Second)
	ctx := context.Background()
	// Two systems report the erasure of one request, one right after the
	// other: the saga handles the second before the projector has applied
	// the notices the first made due.
	if err := f.append(ctx,
		disclosure("s-1", "mailer", 1), disclosure("s-1", "crm-vendor", 2), disclosure("s-1", "mailer", 3),
		disclosure("s-2", "adtech", 4), // another subject's recipient
		erasure("s-1", "crm", 10), erasure("s-1", "billing", 10),
	); err != nil {
		t.Fatal(err)
	}
	open := map[string]string{"mailer": model.NotificationOpen, "crm-vendor": model.NotificationOpen}
	f.notices(t, "s-1", open)
	if err := f.append(ctx, erasure("s-1", "archive", 11)); err != nil {
		t.Fatal(err)
	}
	// The later erasure's handling is done once the saga has moved past
	// it: wait for the projector, then for any notice it might have added.
	time.Sleep(300 * time.Millisecond)
	ns := f.notices(t, "s-1", open)
	// One notice per request, recipient and right in the ledger itself,
	// not only in the projection's rows.
	if got := f.dues(t, "s-1"); !slices.Equal(got, []string{"crm-vendor", "mailer"}) {
		t.Fatalf("RecipientNotificationDue events to %v, want one to crm-vendor and one to mailer", got)
	}
	for _, n := range ns {
		if n.RequestID != "req-e" || n.Right != eventsv1.Right_RIGHT_ERASURE.String() {
			t.Fatalf("notice %+v", n)
		}
	}
	if st, err := f.store.Subject(ctx, "acme", "s-2"); err != nil || len(st.Notifications) != 0 {
		t.Fatalf("the other subject got notices: %+v %v", st, err)
	}

	told := event("s-1", 20)
	told.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
		RequestId: "req-e", RecipientId: "mailer", Right: eventsv1.Right_RIGHT_ERASURE, Channel: eventsv1.Channel_CHANNEL_EMAIL}}
	if err := f.append(ctx, told); err != nil {
		t.Fatal(err)
	}
	f.notices(t, "s-1", map[string]string{"mailer": model.NotificationNotified, "crm-vendor": model.NotificationOpen})
	st, _ := f.store.Subject(ctx, "acme", "s-1")
	var rules []string
	for _, fd := range state.OverdueNotifications([]*model.SubjectState{st}, base.Add(time.Hour)) {
		rules = append(rules, fd.Rule+":"+fd.SubjectRef)
	}
	if !slices.Equal(rules, []string{"recipient_notification_overdue:s-1"}) {
		t.Fatalf("overdue findings %v, want one for crm-vendor", rules)
	}
}

// TestSagaParksWhatKeepsFailing: an event whose notices cannot be recorded
// is retried, then parked on the poison queue, and the saga goes on.
func TestSagaParksWhatKeepsFailing(t *testing.T) {
	var f *fixture
	f = start(t, func(ctx context.Context, ev *eventsv1.Event) error {
		if ev.GetSubjectRef() == "s-bad" {
			return errors.New("injected failure")
		}
		return f.append(ctx, ev)
	}, time.Hour)
	ctx := context.Background()
	if err := f.append(ctx, disclosure("s-bad", "mailer", 1), erasure("s-bad", "crm", 2),
		disclosure("s-ok", "mailer", 3), erasure("s-ok", "crm", 4)); err != nil {
		t.Fatal(err)
	}
	f.notices(t, "s-ok", map[string]string{"mailer": model.NotificationOpen})
	ps, err := f.js.Stream(ctx, wmjs.PoisonStream)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := ps.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages on the poison queue, want 1", info.State.Msgs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	m, err := ps.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("reason_poisoned") == "" || m.Header.Get("subject") == "" {
		t.Fatalf("poison message headers %v", m.Header)
	}
}

// TestSagaSkipsStoredMessagesThatAreNotEvents: messages on the subjects
// the saga reads that are not valid sealed events (garbage, no type
// header, a time no store holds), written straight onto the stream, are
// skipped and counted: the saga neither stalls on them nor parks them on
// the poison queue (where a plaintext value would be stored again), and
// handles the events after them.
func TestSagaSkipsStoredMessagesThatAreNotEvents(t *testing.T) {
	f := start(t, nil, time.Hour)
	ctx := context.Background()
	garbage := &nats.Msg{Subject: "docket.acme.s-x.ErasureExecuted", Data: []byte("x")}
	noHeader := corrupttest.Msg(erasure("s-x", "crm", 1))
	noHeader.Header = nil
	farFuture := erasure("s-x", "crm", 1)
	farFuture.OccurredAt = timestamppb.New(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	for _, m := range []*nats.Msg{garbage, noHeader, corrupttest.Msg(farFuture)} {
		if _, err := f.js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.append(ctx, disclosure("s-ok", "mailer", 3), erasure("s-ok", "crm", 4)); err != nil {
		t.Fatal(err)
	}
	f.notices(t, "s-ok", map[string]string{"mailer": model.NotificationOpen})
	if n := f.saga.Sub.Skipped(); n != 3 {
		t.Errorf("the saga skipped %d messages, want 3", n)
	}
	if ps, err := f.js.Stream(ctx, wmjs.PoisonStream); err != nil {
		t.Fatal(err)
	} else if info, err := ps.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("poison queue: %+v, %v; want it empty", info.State, err)
	}
}

// dues lists, sorted, the recipients of the subject's
// RecipientNotificationDue events, as its audit rows name them.
func (f *fixture) dues(t *testing.T, ref string) []string {
	t.Helper()
	rows, err := f.store.History(context.Background(), "acme", ref, model.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Type == string((&eventsv1.RecipientNotificationDue{}).ProtoReflect().Descriptor().FullName()) {
			out = append(out, r.Recipient)
		}
	}
	slices.Sort(out)
	return out
}

// disclosed is a disclosure of categories to a recipient of a kind under a
// legal basis, at base+min minutes.
func disclosed(ref, recipient string, kind eventsv1.RecipientKind, basis eventsv1.LegalBasis, min int, categories ...string) *eventsv1.Event {
	ev := disclosure(ref, recipient, min)
	d := ev.GetDisclosureMade()
	d.Recipient.Kind, d.LegalBasis, d.Categories = kind, basis, categories
	if kind == eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY {
		d.LegalInstrumentRef = "District Court order 2026/CO/0101"
	}
	return ev
}

const (
	processor  = eventsv1.RecipientKind_RECIPIENT_KIND_PROCESSOR
	thirdParty = eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY
	authority  = eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY
	contract   = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT
	obligation = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION
	interest   = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS
)

// TestSagaConfidentialPoliceDisclosureAndAnErasure: a subject's data went,
// before the erasure at 10:10 on 4 May 2026, to
//   - the mailer, a processor (10:01): a recipient, told by 5 May 10:10
//     (the erasure plus a day);
//   - the police under a court order (Art. 6(1)(c)), confidential until
//     31 October 2027 (10:02): an authority in an inquiry is no recipient
//     (Art. 4(9)), so no notice, neither now nor when the secrecy ends;
//   - an insurer, a third party, under a confidentiality order until
//     3 July 2026 (10:03): its notice waits (Art. 23) and is owed from
//     then, due on 4 July 2026 00:00;
//   - a land registry, a public authority the controller chose to send
//     the data to under a contract (10:04): a recipient like any other,
//     due on 5 May 10:10.
//
// On 6 May only the mailer's and the registry's are overdue; on 4 July
// 00:00 the insurer's is not yet, a second later it is.
func TestSagaConfidentialPoliceDisclosureAndAnErasure(t *testing.T) {
	f := start(t, nil, 24*time.Hour)
	ctx := context.Background()
	police := disclosed("s-c", "police", authority, obligation, 2, "user.contact.email", "user.name")
	police.GetDisclosureMade().ConfidentialUntil = timestamppb.New(time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC))
	insurer := disclosed("s-c", "insurer", thirdParty, interest, 3, "user.contact.email")
	insurer.GetDisclosureMade().ConfidentialUntil = timestamppb.New(time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC))
	if err := f.append(ctx,
		disclosed("s-c", "mailer", processor, contract, 1, "user.contact.email"),
		police, insurer,
		disclosed("s-c", "registry", authority, contract, 4, "user.name"),
		erasure("s-c", "crm", 10),
	); err != nil {
		t.Fatal(err)
	}
	ns := f.notices(t, "s-c", map[string]string{"mailer": model.NotificationOpen, "insurer": model.NotificationOpen, "registry": model.NotificationOpen})
	wantDue := map[string]time.Time{
		"mailer":   time.Date(2026, 5, 5, 10, 10, 0, 0, time.UTC),
		"registry": time.Date(2026, 5, 5, 10, 10, 0, 0, time.UTC),
		"insurer":  time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC),
	}
	for _, n := range ns {
		if n.DueAt == nil || !n.DueAt.Equal(wantDue[n.RecipientID]) {
			t.Errorf("notice to %s due %v, want %v", n.RecipientID, n.DueAt, wantDue[n.RecipientID])
		}
	}
	if got := f.dues(t, "s-c"); !slices.Equal(got, []string{"insurer", "mailer", "registry"}) {
		t.Errorf("RecipientNotificationDue events to %v, want insurer, mailer and registry", got)
	}
	st, err := f.store.Subject(ctx, "acme", "s-c")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2026, 5, 6, 0, 0, 0, 0, time.UTC), []string{"mailer", "registry"}},
		{time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC), []string{"mailer", "registry"}},
		{time.Date(2026, 7, 4, 0, 0, 1, 0, time.UTC), []string{"insurer", "mailer", "registry"}},
	} {
		if got := overdue(st, tt.now); !slices.Equal(got, tt.want) {
			t.Errorf("overdue at %s: %v, want %v", tt.now, got, tt.want)
		}
	}
}

// TestSagaOwesOnlyWhoReceivedTheDataBefore: a notice is owed only to a
// recipient that received, before the cause, data the cause concerns.
func TestSagaOwesOnlyWhoReceivedTheDataBefore(t *testing.T) {
	f := start(t, nil, time.Hour)
	ctx := context.Background()

	// A restriction of all the subject's data at 10:05. The mailer got
	// its email at 10:01: owed. The court got it for a claim at 10:08,
	// after the restriction, though the court's disclosure is stored
	// first: nothing owed. Nor to the archive, stored after it and made
	// at 10:06.
	restrict := event("s-r", 5)
	restrict.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{RestrictionId: "rs-1", RequestId: "req-r"}}
	if err := f.append(ctx,
		disclosed("s-r", "mailer", processor, contract, 1, "user.contact.email"),
		disclosed("s-r", "court", authority, interest, 8, "user.contact.email"),
		restrict,
		disclosed("s-r", "archive", processor, contract, 6, "user.contact.email"),
	); err != nil {
		t.Fatal(err)
	}

	// A rectification of the email at 10:10. The mailer got the email and
	// the marketer all the contact data (user.contact, which holds
	// user.contact.email): both owed. The analytics firm got only the
	// IP address, the photo lab only the name: neither.
	rectify := event("s-k", 10)
	rectify.Payload = &eventsv1.Event_DataRectified{DataRectified: &eventsv1.DataRectified{
		Categories: []string{"user.contact.email"}, RequestId: "req-k",
		Values: []*eventsv1.DataValue{{Category: "user.contact.email", Value: &eventsv1.DataValue_Plaintext{Plaintext: "new@example.org"}}},
	}}
	if err := f.append(ctx,
		disclosed("s-k", "mailer", processor, contract, 1, "user.contact.email"),
		disclosed("s-k", "marketer", thirdParty, interest, 2, "user.contact"),
		disclosed("s-k", "analytics", processor, contract, 3, "user.device.ip_address"),
		disclosed("s-k", "photo-lab", processor, contract, 4, "user.name"),
		rectify,
	); err != nil {
		t.Fatal(err)
	}
	// A restriction of marketing at 10:05. The mailer got the email for
	// newsletters (marketing.communications.email, within marketing):
	// owed. The payment processor got it to provide the service: not.
	forPurpose := func(ev *eventsv1.Event, purpose string) *eventsv1.Event {
		ev.GetDisclosureMade().Purpose = purpose
		return ev
	}
	restrictMarketing := event("s-p", 5)
	restrictMarketing.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: &eventsv1.RestrictionApplied{
		RestrictionId: "rs-2", RequestId: "req-p", Purposes: []string{"marketing"}}}
	if err := f.append(ctx,
		forPurpose(disclosed("s-p", "mailer", processor, contract, 1, "user.contact.email"), "marketing.communications.email"),
		forPurpose(disclosed("s-p", "payments", processor, contract, 2, "user.contact.email"), "essential.service"),
		restrictMarketing,
	); err != nil {
		t.Fatal(err)
	}

	want := map[string][]string{"s-k": {"mailer", "marketer"}, "s-r": {"mailer"}, "s-p": {"mailer"}}
	wait := func() {
		for ref, rs := range want {
			m := map[string]string{}
			for _, r := range rs {
				m[r] = model.NotificationOpen
			}
			f.notices(t, ref, m)
		}
	}
	wait()
	time.Sleep(300 * time.Millisecond) // any other notice would have come by now
	wait()
	for ref, want := range want {
		if got := f.dues(t, ref); !slices.Equal(got, want) {
			t.Errorf("%s: RecipientNotificationDue events to %v, want %v", ref, got, want)
		}
	}
}

// TestSagaShredOwesWhoReceivedTheKeyGroup: a shred of the subject's
// "marketing" key group concerns the data of the activities sealing under
// it. The mailer received data under the newsletter activity (group
// marketing): owed. The vendor received it under accounts (no group, so
// "default"), the courier under no declared activity ("default" too):
// neither.
func TestSagaShredOwesWhoReceivedTheKeyGroup(t *testing.T) {
	f := start(t, nil, time.Hour)
	ctx := context.Background()
	declare := func(id, group string) *eventsv1.Event {
		ev := event("", -10)
		ev.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{
			Activity: &eventsv1.ProcessingActivity{
				ActivityId: id, Name: id, Purposes: []string{"essential.service"}, DataCategories: []string{"user.contact.email"},
				DataSubjects: []string{"customer"}, LegalBasis: eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_B_CONTRACT,
				Retention: &eventsv1.Retention{Days: 365, Trigger: "collection", TriggerEvent: eventsv1.RetentionTrigger_RETENTION_TRIGGER_COLLECTION}, KeyGroup: group,
			}}}
		return ev
	}
	under := func(ev *eventsv1.Event, activity string) *eventsv1.Event {
		ev.GetDisclosureMade().ActivityId = activity
		return ev
	}
	shred := event("s-g", 10)
	shred.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{KeyGroups: []string{"marketing"}, RequestId: "req-g"}}
	if err := f.append(ctx,
		declare("newsletter", "marketing"), declare("accounts", ""),
		under(disclosed("s-g", "mailer", processor, contract, 1, "user.contact.email"), "newsletter"),
		under(disclosed("s-g", "vendor", processor, contract, 2, "user.contact.email"), "accounts"),
		disclosed("s-g", "courier", processor, contract, 3, "user.contact.email"),
		shred,
	); err != nil {
		t.Fatal(err)
	}
	f.notices(t, "s-g", map[string]string{"mailer": model.NotificationOpen})
	time.Sleep(300 * time.Millisecond) // any other notice would have come by now
	if got := f.dues(t, "s-g"); !slices.Equal(got, []string{"mailer"}) {
		t.Errorf("RecipientNotificationDue events to %v, want mailer", got)
	}
}

// waitNotice polls the subject's notice to recipient until it is owed
// from owed, and returns it.
func (f *fixture) waitNotice(t *testing.T, ref, recipient string, owed time.Time) *model.Notification {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got *model.Notification
		if st, err := f.store.Subject(context.Background(), "acme", ref); err == nil {
			for _, n := range st.Notifications {
				if n.RecipientID == recipient {
					got = n
				}
			}
		}
		if got != nil && got.OwedFrom != nil && got.OwedFrom.Equal(owed) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("notice of %s to %s: %+v, want one owed from %s", ref, recipient, got, owed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSagaConfidentialityLifted: "a confidential police disclosure and an
// erasure", with the confidentiality changed later. The subject's data
// went, before the erasure at 10:10 on 4 May 2026 (the period is a day), to
//   - the mailer, a processor (10:01): owed from 4 May 10:10, due 5 May
//     10:10;
//   - the police, to whom the controller reported a fraud itself (Art.
//     6(1)(f), not a particular inquiry: the police are a recipient),
//     confidential until 31 October 2027 at the police's request (10:02):
//     the notice waits, owed from 31 October 2027, due 1 November 2027;
//   - the prosecutor, in a particular inquiry (particular_inquiry, Art.
//     4(9)), though under Art. 6(1)(f) (10:03): no recipient, no notice;
//   - an insurer, a third party, confidential until 3 July 2026 (10:04):
//     owed from 3 July, due 4 July 2026 00:00;
//   - an archive, a processor, at 10:05, recorded only after the erasure:
//     it received the data before the erasure, so it is owed from 10:10
//     too, due 5 May 10:10.
//
// On 1 June 2026 at 12:00 a court lifts the police's confidentiality: the
// notice is owed from then, due 2 June 12:00. On 15 June the insurer's is
// extended to 31 December 2026: owed from then, due 1 January 2027.
func TestSagaConfidentialityLifted(t *testing.T) {
	f := start(t, nil, 24*time.Hour)
	ctx := context.Background()
	police := disclosed("s-l", "police", authority, interest, 2, "user.contact.email", "user.name")
	police.GetDisclosureMade().ConfidentialUntil = timestamppb.New(time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC))
	prosecutor := disclosed("s-l", "prosecutor", authority, interest, 3, "user.contact.email")
	prosecutor.GetDisclosureMade().ParticularInquiry = true
	insurer := disclosed("s-l", "insurer", thirdParty, interest, 4, "user.contact.email")
	insurer.GetDisclosureMade().ConfidentialUntil = timestamppb.New(time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC))
	if err := f.append(ctx,
		disclosed("s-l", "mailer", processor, contract, 1, "user.contact.email"),
		police, prosecutor, insurer,
		erasure("s-l", "crm", 10),
		disclosed("s-l", "archive", processor, contract, 5, "user.contact.email"),
	); err != nil {
		t.Fatal(err)
	}
	erased := time.Date(2026, 5, 4, 10, 10, 0, 0, time.UTC)
	for _, tt := range []struct {
		recipient string
		owed, due time.Time
	}{
		{"mailer", erased, time.Date(2026, 5, 5, 10, 10, 0, 0, time.UTC)},
		{"archive", erased, time.Date(2026, 5, 5, 10, 10, 0, 0, time.UTC)},
		{"police", time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC), time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"insurer", time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC)},
	} {
		if n := f.waitNotice(t, "s-l", tt.recipient, tt.owed); n.DueAt == nil || !n.DueAt.Equal(tt.due) || n.Status != model.NotificationOpen {
			t.Errorf("notice to %s: %+v, want open and due %s", tt.recipient, n, tt.due)
		}
	}

	lift := event("s-l", 0)
	lift.OccurredAt = timestamppb.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	lift.Payload = &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{
		DisclosureEventId: police.GetEventId(), LegalInstrumentRef: "order 2026/CO/0233"}}
	extend := event("s-l", 0)
	extend.OccurredAt = timestamppb.New(time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC))
	extend.Payload = &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: &eventsv1.DisclosureConfidentialityChanged{
		DisclosureEventId: insurer.GetEventId(), ConfidentialUntil: timestamppb.New(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))}}
	if err := f.append(ctx, lift, extend); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		recipient string
		owed, due time.Time
	}{
		{"police", time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)},
		{"insurer", time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if n := f.waitNotice(t, "s-l", tt.recipient, tt.owed); n.DueAt == nil || !n.DueAt.Equal(tt.due) || n.Status != model.NotificationOpen {
			t.Errorf("notice to %s after the change: %+v, want open and due %s", tt.recipient, n, tt.due)
		}
	}
	// The register follows the changes.
	rows, err := f.store.Disclosures(ctx, model.DisclosureFilter{Tenant: "acme", SubjectRef: "s-l"}, model.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.EventID == police.GetEventId() && (r.ConfidentialUntil == nil || !r.ConfidentialUntil.Equal(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))) {
			t.Errorf("police disclosure in the register confidential until %v, want the lifting (1 June 2026 12:00)", r.ConfidentialUntil)
		}
	}
	time.Sleep(300 * time.Millisecond) // any other notice would have come by now
	// Two notices to the police and the insurer (made due, rescheduled),
	// one to the mailer and the archive, none to the prosecutor.
	if got := f.dues(t, "s-l"); !slices.Equal(got, []string{"archive", "insurer", "insurer", "mailer", "police", "police"}) {
		t.Errorf("RecipientNotificationDue events to %v", got)
	}
	st, err := f.store.Subject(ctx, "acme", "s-l")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC), []string{"archive", "mailer"}},
		{time.Date(2026, 6, 2, 12, 0, 1, 0, time.UTC), []string{"archive", "mailer", "police"}},
		{time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC), []string{"archive", "mailer", "police"}}, // the insurer's was extended
		{time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC), []string{"archive", "insurer", "mailer", "police"}},
	} {
		if got := overdue(st, tt.now); !slices.Equal(got, tt.want) {
			t.Errorf("overdue at %s: %v, want %v", tt.now, got, tt.want)
		}
	}
}

// overdue lists, sorted, the recipients of the subject's notices overdue
// at now.
func overdue(st *model.SubjectState, now time.Time) []string {
	var got []string
	for _, fd := range state.OverdueNotifications([]*model.SubjectState{st}, now) {
		for _, n := range st.Notifications {
			if slices.Contains(fd.EventIDs, n.EventID) {
				got = append(got, n.RecipientID)
			}
		}
	}
	slices.Sort(got)
	return got
}
