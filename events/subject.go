package events

import (
	"fmt"
	"strings"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// SubjectPrefix is the first token of every event subject.
const SubjectPrefix = "docket"

// ControllerRef is the subject token of controller-level events (the
// catalogue, notices, breaches), which concern no one data subject. Subject
// references may not start with an underscore, so it cannot collide.
const ControllerRef = "_"

// KeySubject is the subject whose data keys seal ev's values and free
// text: its subject_ref, or ControllerRef for a controller-level event,
// whose free text (an amendment's reason, a breach's description) is
// sealed under the tenant key: the key ring's keys of subject "_".
func KeySubject(ev *eventsv1.Event) string {
	if ref := ev.GetSubjectRef(); ref != "" {
		return ref
	}
	return ControllerRef
}

// MaxTokenLen bounds tenants, subject references and ids used in subjects.
const MaxTokenLen = 64

// CheckToken reports why s cannot be a Docket NATS subject token, or nil: it
// must be 1 to MaxTokenLen characters of [A-Za-z0-9_-].
func CheckToken(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	if len(s) > MaxTokenLen {
		return fmt.Errorf("is %d characters long, more than %d", len(s), MaxTokenLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("has a character at position %d outside [A-Za-z0-9_-]", i)
		}
	}
	return nil
}

// Subject is the NATS subject an event is stored under:
// docket.<tenant>.<subject_ref>.<EventType>, with ControllerRef for events
// without a data subject. One subject's history is "docket.T.S.>", one event
// type is "docket.*.*.DisclosureMade". The event must be valid.
func Subject(ev *eventsv1.Event) string {
	ref := ev.GetSubjectRef()
	if ref == "" {
		ref = ControllerRef
	}
	return SubjectPrefix + "." + ev.GetTenant() + "." + ref + "." + TypeToken(ev)
}

// SubjectFilter is the filter matching every event of one subject of a
// tenant; an empty ref matches every event of the tenant.
func SubjectFilter(tenant, subjectRef string) string {
	if subjectRef == "" {
		return SubjectPrefix + "." + tenant + ".>"
	}
	return SubjectPrefix + "." + tenant + "." + subjectRef + ".>"
}

// SplitSubject returns the tenant, subject reference and type token of an
// event subject.
func SplitSubject(subject string) (tenant, subjectRef, typeToken string, err error) {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0] != SubjectPrefix {
		return "", "", "", fmt.Errorf("subject %q is not of the form %s.<tenant>.<subject>.<type>", subject, SubjectPrefix)
	}
	return parts[1], parts[2], parts[3], nil
}
