package model_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// oddStrings need escaping, or are empty, or are not UTF-8.
var oddStrings = []string{"", "a", "purpose.x", `q"uote`, `back\slash`, "<b>&amp;</b>", "tab\there", "ünï", "\xff\xfe", "line\u2028sep", "nul\x00"}

func randomState(r *rand.Rand) *model.SubjectState {
	str := func() string { return oddStrings[r.IntN(len(oddStrings))] }
	zones := []*time.Location{time.UTC, time.FixedZone("P", -7*3600), time.FixedZone("E", 5*3600+1800)}
	tm := func() time.Time {
		if r.IntN(8) == 0 {
			return time.Time{}
		}
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
	}
	ptr := func() *time.Time {
		if r.IntN(2) == 0 {
			return nil
		}
		t := tm()
		return &t
	}
	list := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		l := make([]string, 1+r.IntN(3))
		for i := range l {
			l[i] = str()
		}
		return l
	}
	n := func() int { return r.IntN(4) }
	s := &model.SubjectState{Tenant: str(), SubjectRef: str(), FirstSeen: tm(), LastSeen: tm(),
		FirstSeq: r.Uint64(), LastSeq: r.Uint64N(1000), Events: r.IntN(100), Child: r.IntN(2) == 0, ChildEventID: str(),
		AgeBand: str(), AgeBandAt: ptr(), AgeBandEventID: str(), OpenRequests: list()}
	if r.IntN(4) > 0 {
		s.Consents = map[string]*model.Consent{}
		for range n() {
			var c *model.Consent
			if r.IntN(6) > 0 {
				c = &model.Consent{Purpose: str(), Given: r.IntN(2) == 0, NoticeID: str(), NoticeVersion: str(),
					NoticeSHA256: str(), Method: str(), Channel: str(), Parental: r.IntN(2) == 0,
					GivenAt: ptr(), WithdrawnAt: ptr(), ExpiresAt: ptr(), EventID: str()}
			}
			s.Consents[str()] = c
		}
	}
	if r.IntN(4) > 0 {
		s.Restrictions = map[string]*model.Restriction{}
		for range n() {
			s.Restrictions[str()] = &model.Restriction{ID: str(), Purposes: list(), Categories: list(),
				RequestID: str(), AppliedAt: tm(), LiftedAt: ptr(), EventID: str()}
		}
	}
	if r.IntN(4) > 0 {
		s.Objections = []*model.Objection{}
		for range n() {
			var o *model.Objection
			if r.IntN(6) > 0 {
				o = &model.Objection{Purposes: list(), RequestID: str(), At: tm(), EventID: str()}
			}
			s.Objections = append(s.Objections, o)
		}
	}
	if r.IntN(4) > 0 {
		s.Overrides = []*model.Override{}
		for range n() {
			var o *model.Override
			if r.IntN(6) > 0 {
				o = &model.Override{Purposes: list(), Ground: str(), RequestID: str(), At: tm(), EventID: str()}
			}
			s.Overrides = append(s.Overrides, o)
		}
	}
	if r.IntN(4) > 0 {
		s.Erasures, s.Shredded, s.ShreddedBy = map[string]time.Time{}, map[string]time.Time{}, map[string]string{}
		for range n() {
			s.Erasures[str()], s.Shredded[str()], s.ShreddedBy[str()] = tm(), tm(), str()
		}
	}
	if r.IntN(4) > 0 {
		s.Collected = map[string]*model.Collection{}
		for range n() {
			s.Collected[str()] = &model.Collection{ActivityID: str(), First: tm(), Last: tm(), EndedAt: ptr(),
				ExpiredAt: ptr(), RelationshipEndedAt: ptr(), FulfilledAt: ptr()}
		}
	}
	if r.IntN(4) > 0 {
		s.Used = map[string]*model.Use{}
		for range n() {
			s.Used[str()] = &model.Use{ActivityID: str(), Purposes: list(), Categories: list(), LegalBases: list(), First: tm(),
				Last: tm(), Count: r.IntN(50), Profiling: r.IntN(2) == 0, AutomatedDecision: str(), EventID: str()}
		}
	}
	if r.IntN(4) > 0 {
		s.Notifications = map[string]*model.Notification{}
		for range n() {
			s.Notifications[str()] = &model.Notification{RequestID: str(), RecipientID: str(), Right: str(), CauseEventID: str(),
				DueAt: ptr(), OwedFrom: ptr(), ScheduledAt: ptr(), Status: str(), ClosedAt: ptr(), Ground: str(), EventID: str()}
		}
	}
	return s
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	var full model.SubjectState
	fill(t, reflect.ValueOf(&full).Elem(), 0) // every field set: a new one must be encoded
	states := []*model.SubjectState{{}, &full}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		states = append(states, randomState(r))
	}
	for i, s := range states {
		want, err := json.Marshal(s.UTC())
		if err != nil {
			t.Fatalf("state %d: encoding/json: %v", i, err)
		}
		got, err := s.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("state %d: AppendJSON: %v", i, err)
		}
		if !bytes.Equal(got[len("prefix"):], want) || string(got[:len("prefix")]) != "prefix" {
			t.Fatalf("state %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	s := &model.SubjectState{LastSeen: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := json.Marshal(s); err == nil {
		t.Fatal("encoding/json wrote year 10000")
	}
	if _, err := s.AppendJSON(nil); err == nil {
		t.Fatal("AppendJSON wrote year 10000")
	}
}

func TestAppendStringsJSON(t *testing.T) {
	for _, ss := range [][]string{nil, {}, oddStrings, {"user.contact.email", "marketing"}} {
		want := "[]"
		if len(ss) > 0 {
			b, _ := json.Marshal(ss)
			want = string(b)
		}
		if got := string(model.AppendStringsJSON(nil, ss)); got != want {
			t.Errorf("%q: got %s, want %s", ss, got, want)
		}
	}
}

func TestBatchSubjectDocs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	b := &model.Batch{Subjects: []*model.SubjectState{randomState(r), randomState(r)}}
	var want []string
	for i := range b.Subjects {
		doc, err := b.SubjectDoc(i) // encoded on demand
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, doc)
	}
	if err := b.EncodeSubjects(); err != nil {
		t.Fatal(err)
	}
	for i := range b.Subjects {
		if doc, _ := b.SubjectDoc(i); doc != want[i] || b.SubjectDocs[i] != want[i] {
			t.Fatalf("subject %d: encoded ahead %s, on demand %s", i, doc, want[i])
		}
	}
	b.Subjects = append(b.Subjects, nil)
	if err := b.EncodeSubjects(); err == nil {
		t.Fatal("EncodeSubjects took a nil state")
	}
}
