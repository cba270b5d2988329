package state_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestNotifications(t *testing.T) {
	erasure := eventsv1.Right_RIGHT_ERASURE
	due := func(recipient string, at time.Time) *eventsv1.RecipientNotificationDue {
		return &eventsv1.RecipientNotificationDue{RequestId: "rr-1", RecipientId: recipient, Right: erasure,
			CauseEventId: "0190d5a0-0000-7000-8000-000000000001", DueAt: timestamppb.New(at)}
	}
	notified := func(recipient string) *eventsv1.RecipientNotified {
		return &eventsv1.RecipientNotified{RequestId: "rr-1", RecipientId: recipient, Right: erasure, Channel: eventsv1.Channel_CHANNEL_EMAIL}
	}
	waived := &eventsv1.RecipientNotificationWaived{RequestId: "rr-1", RecipientId: "gone", Right: erasure,
		Ground: eventsv1.WaiverGround_WAIVER_GROUND_IMPOSSIBLE}
	tests := []struct {
		name       string
		build      func(s *stream)
		now        int // day
		wantStatus map[string]string
		want       []brief
	}{
		{"due, not yet overdue", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30)))
		}, 30, map[string]string{"mailer": model.NotificationOpen}, []brief{}},
		{"overdue", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30))) // ev-1
		}, 31, map[string]string{"mailer": model.NotificationOpen}, []brief{{state.RuleNotificationOverdue, "ev-1"}}},
		{"notified in time", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30)))
			s.add(subj, day(3), notified("mailer"))
		}, 90, map[string]string{"mailer": model.NotificationNotified}, []brief{}},
		{"notified before it was due: a later due stays closed", func(s *stream) {
			s.add(subj, day(0), notified("mailer"))
			s.add(subj, day(1), due("mailer", day(30)))
		}, 90, map[string]string{"mailer": model.NotificationNotified}, []brief{}},
		{"waived", func(s *stream) {
			s.add(subj, day(0), due("gone", day(30)))
			s.add(subj, day(2), waived)
		}, 90, map[string]string{"gone": model.NotificationWaived}, []brief{}},
		// Rescheduling (the saga, when a disclosure's confidentiality
		// changes): a Due of the same cause occurring later wins, whichever
		// the stream holds first; the cause's own Due again, or another
		// cause's, changes nothing; a closed notice stays closed.
		{"rescheduled earlier: overdue from the new date", func(s *stream) {
			s.add(subj, day(0), due("police", day(600)))
			s.add(subj, day(20), due("police", day(50))) // ev-2: lifted on day 20
		}, 51, map[string]string{"police": model.NotificationOpen}, []brief{{state.RuleNotificationOverdue, "ev-2"}}},
		{"rescheduled, stored before the first due", func(s *stream) {
			s.add(subj, day(20), due("police", day(50))) // ev-1
			s.add(subj, day(0), due("police", day(600)))
		}, 51, map[string]string{"police": model.NotificationOpen}, []brief{{state.RuleNotificationOverdue, "ev-1"}}},
		{"rescheduled later: not yet overdue", func(s *stream) {
			s.add(subj, day(0), due("insurer", day(30)))
			s.add(subj, day(10), due("insurer", day(300)))
		}, 31, map[string]string{"insurer": model.NotificationOpen}, []brief{}},
		{"another cause of the same request reschedules nothing", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30))) // ev-1
			d := due("mailer", day(300))
			d.CauseEventId = "0190d5a0-0000-7000-8000-000000000002"
			s.add(subj, day(10), d)
		}, 31, map[string]string{"mailer": model.NotificationOpen}, []brief{{state.RuleNotificationOverdue, "ev-1"}}},
		{"a notified notice stays closed", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30)))
			s.add(subj, day(3), notified("mailer"))
			s.add(subj, day(10), due("mailer", day(35)))
		}, 90, map[string]string{"mailer": model.NotificationNotified}, []brief{}},
		{"one of two overdue", func(s *stream) {
			s.add(subj, day(0), due("mailer", day(30))) // ev-1
			s.add(subj, day(0), due("crm-vendor", day(30)))
			s.add(subj, day(5), notified("crm-vendor"))
		}, 40, map[string]string{"mailer": model.NotificationOpen, "crm-vendor": model.NotificationNotified}, []brief{{state.RuleNotificationOverdue, "ev-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			tt.build(s)
			s.add(subj, day(200), consent("marketing.communications.email")) // not applied by run
			st, _, _ := run(t, s)
			got := map[string]string{}
			for _, n := range st.Notifications {
				got[n.RecipientID] = n.Status
			}
			if !reflect.DeepEqual(got, tt.wantStatus) {
				t.Errorf("statuses %v, want %v", got, tt.wantStatus)
			}
			if fs := briefs(state.OverdueNotifications([]*model.SubjectState{st}, day(tt.now))); !reflect.DeepEqual(fs, tt.want) {
				t.Errorf("findings %v, want %v", fs, tt.want)
			}
		})
	}
}

// TestNotificationAuditRowsNameTheRecipient: the audit rows of a notice
// due, sent and waived each carry the recipient the notice is about.
func TestNotificationAuditRowsNameTheRecipient(t *testing.T) {
	erasure := eventsv1.Right_RIGHT_ERASURE
	for _, tt := range []struct {
		name    string
		payload any
	}{
		{"due", &eventsv1.RecipientNotificationDue{RequestId: "rr-1", RecipientId: "mailer", Right: erasure,
			CauseEventId: "0190d5a0-0000-7000-8000-000000000001", DueAt: timestamppb.New(day(30))}},
		{"notified", &eventsv1.RecipientNotified{RequestId: "rr-1", RecipientId: "mailer", Right: erasure, Channel: eventsv1.Channel_CHANNEL_EMAIL}},
		{"waived", &eventsv1.RecipientNotificationWaived{RequestId: "rr-1", RecipientId: "mailer", Right: erasure,
			Ground: eventsv1.WaiverGround_WAIVER_GROUND_IMPOSSIBLE}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			rec := s.add(subj, day(1), tt.payload)
			eff, err := state.Apply(&model.SubjectState{Tenant: tenant, SubjectRef: subj}, func(_, _ string) *model.RequestRow { return nil }, state.NewCatalogue(), rec)
			if err != nil {
				t.Fatal(err)
			}
			if eff.Audit.Recipient != "mailer" {
				t.Errorf("audit row recipient %q, want mailer", eff.Audit.Recipient)
			}
		})
	}
}
