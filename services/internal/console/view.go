package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string // the navigation entry of the page
	S       *session
	Data    any
	Message string // an error or notice shown above the page
}

// Tenant is the page's tenant.
func (v view) Tenant() string {
	if v.S == nil {
		return ""
	}
	return v.S.tenant
}

// parseTemplates parses every page with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(name, ".html")] = t
	}
	return pages, nil
}

// render writes a page: rendered to a buffer first, so a template error
// never leaves half a page.
func (cs *Console) render(w http.ResponseWriter, status int, page string, v view) {
	t, ok := cs.pages[page]
	if !ok {
		cs.c.Log.Error("console: no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		cs.c.Log.Error("console: rendering failed", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// pageError is an error shown to the reader with a status.
type pageError struct {
	Status  int
	Message string
}

func (e *pageError) Error() string { return e.Message }

// badInput is a 400 naming the field and the reason, never the value.
func badInput(field, reason string) error {
	return &pageError{Status: http.StatusBadRequest, Message: field + ": " + reason}
}

// fail renders err as an error page. API errors keep their message, which
// names fields and reasons but no values; anything else is logged and
// shown as an internal error.
func (cs *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong; the server's log says what."
	var pe *pageError
	var ce *connect.Error
	switch {
	case errors.As(err, &pe):
		status, msg = pe.Status, pe.Message
	case errors.As(err, &ce):
		status, msg = httpStatus(ce.Code()), ce.Message()
	}
	if status == http.StatusInternalServerError {
		cs.c.Log.Error("console: page failed", "path", r.URL.Path, "err", err)
	}
	cs.render(w, status, "error", view{Title: http.StatusText(status), S: s, Message: msg})
}

// httpStatus maps a Connect code to the page's status.
func httpStatus(c connect.Code) int {
	switch c {
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeOutOfRange:
		return http.StatusBadRequest
	case connect.CodeNotFound:
		return http.StatusNotFound
	case connect.CodePermissionDenied:
		return http.StatusForbidden
	case connect.CodeUnauthenticated:
		return http.StatusUnauthorized
	case connect.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// notFound answers a path the console does not have.
func (cs *Console) notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	cs.render(w, http.StatusNotFound, "error", view{Title: "Not found", Message: "There is no such page."})
}

// requestZone is the zone a request's deadline is counted in (UTC when
// the server names none, or one this build does not know).
func requestZone(q *apiv1.Request) *time.Location {
	if tz := q.GetTimeZone(); tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			return l
		}
	}
	return time.UTC
}

// timeLayout is how the console writes times: UTC, to the second.
const timeLayout = "2006-01-02 15:04:05 UTC"

// formLayout is the value of an <input type="datetime-local">.
const formLayout = "2006-01-02T15:04"

var funcs = template.FuncMap{
	"time": func(t *timestamppb.Timestamp) string {
		if t == nil || !t.IsValid() || (t.GetSeconds() == 0 && t.GetNanos() == 0) {
			return ""
		}
		return t.AsTime().UTC().Format(timeLayout)
	},
	// due is a request's deadline as the controller counts it: the day
	// in the zone of the request (the end of that day is the deadline).
	"due": func(q *apiv1.Request) string {
		t := q.GetDueAt()
		if t == nil || (t.GetSeconds() == 0 && t.GetNanos() == 0) {
			return ""
		}
		loc := requestZone(q)
		return t.AsTime().In(loc).Format(time.DateOnly) + " (" + loc.String() + ")"
	},
	// dueExact is a request's deadline to the second, RFC 3339 with the
	// offset of its zone.
	"dueExact": func(q *apiv1.Request) string {
		if q.GetDueAt() == nil {
			return ""
		}
		return q.GetDueAt().AsTime().In(requestZone(q)).Format(time.RFC3339)
	},
	"date": func(t *timestamppb.Timestamp) string {
		if t == nil || (t.GetSeconds() == 0 && t.GetNanos() == 0) {
			return ""
		}
		return t.AsTime().UTC().Format(time.DateOnly)
	},
	"isoTime": func(t *timestamppb.Timestamp) string {
		if t == nil {
			return ""
		}
		return t.AsTime().UTC().Format(time.RFC3339)
	},
	"shortType": shortType,
	"basis":     basisName,
	"kind":      kindName,
	"right":     func(r eventsv1.Right) string { return enumWords(r.String(), "RIGHT_") },
	"ground":    func(g eventsv1.DenialGround) string { return enumWords(g.String(), "DENIAL_GROUND_") },
	"decision": func(d eventsv1.AutomatedDecision) string {
		if w := enumWords(d.String(), "AUTOMATED_DECISION_"); w != "" {
			return "automated decision " + w
		}
		return ""
	},
	"criminal":     func(b eventsv1.CriminalDataBasis) string { return enumWords(b.String(), "CRIMINAL_DATA_BASIS_") },
	"join":         strings.Join,
	"query":        query,
	"add":          func(a, b int) int { return a + b },
	"confidential": confidential,
	"deadline":     deadline,
	"overdue": func(q *apiv1.Request, now time.Time) bool {
		return q.GetStatus() == apiv1.RequestStatus_REQUEST_STATUS_OPEN && q.GetDueAt() != nil && q.GetDueAt().AsTime().Before(now)
	},
	"late": func(q *apiv1.Request) bool {
		return q.GetClosedAt() != nil && q.GetDueAt() != nil && q.GetClosedAt().AsTime().After(q.GetDueAt().AsTime())
	},
	"observedKind": func(k apiv1.ObservedKind) string { return enumWords(k.String(), "OBSERVED_KIND_") },
	"retention": func(r *eventsv1.Retention) string {
		switch {
		case r == nil:
			return ""
		case r.GetDays() == 0:
			return "until erasure is requested"
		default:
			return plural(int(r.GetDays()), "day") + " after " + events.RetentionTrigger(r)
		}
	},
	"eventLink": eventLink,
	"findingStatus": func(st eventsv1.FindingStatus) string {
		if st == eventsv1.FindingStatus_FINDING_STATUS_UNSPECIFIED {
			st = eventsv1.FindingStatus_FINDING_STATUS_OPEN
		}
		return enumWords(st.String(), "FINDING_STATUS_")
	},
	"findingClosed": func(st eventsv1.FindingStatus) bool {
		return st == eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED || st == eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE ||
			st == eventsv1.FindingStatus_FINDING_STATUS_RESOLVED
	},
	"words": enumWords,
	"expired": func(t *timestamppb.Timestamp, at time.Time) bool {
		return t != nil && (t.GetSeconds() != 0 || t.GetNanos() != 0) && !t.AsTime().After(at)
	},
	"who": whoLabel,
	"shortID": func(id string) string {
		if len(id) > 13 {
			return id[:8] + "…"
		}
		return id
	},
}

// shortType is an event type without its package: "DataCollected".
func shortType(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[i+1:]
	}
	return full
}

// basisName writes a legal basis as the article it is:
// LEGAL_BASIS_ART6_1_A_CONSENT is "Art. 6(1)(a) consent".
func basisName(b eventsv1.LegalBasis) string {
	if b == eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED {
		return ""
	}
	name := strings.TrimPrefix(b.String(), "LEGAL_BASIS_")
	parts := strings.Split(name, "_")
	if len(parts) < 4 || !strings.HasPrefix(parts[0], "ART") {
		return strings.ToLower(strings.ReplaceAll(name, "_", " "))
	}
	return fmt.Sprintf("Art. %s(%s)(%s) %s", strings.TrimPrefix(parts[0], "ART"), parts[1],
		strings.ToLower(parts[2]), strings.ToLower(strings.Join(parts[3:], " ")))
}

// kindName writes a recipient kind in words: "public authority".
func kindName(k eventsv1.RecipientKind) string { return enumWords(k.String(), "RECIPIENT_KIND_") }

// enumWords writes an enum value name in lower-case words.
func enumWords(name, prefix string) string {
	if strings.HasSuffix(name, "_UNSPECIFIED") {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, prefix), "_", " "))
}

// query builds a URL query from pairs of keys and values, leaving out
// empty values: {{query "tenant" .Tenant "ref" .Ref}}.
func query(kv ...string) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return template.URL(q.Encode())
}

// parseFormTime reads an <input type="datetime-local"> or a date, as UTC.
// Empty is the zero time.
func parseFormTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{formLayout, formLayout + ":05", time.DateOnly, time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, badInput(field, "not a date and time (YYYY-MM-DDTHH:MM, UTC)")
}

// plural writes a count of things: "1 day", "3 days".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// eventLink links an event: to its row in the subject's timeline when
// there is a subject, else to its verification.
func eventLink(tenant, subject, eventID string) template.URL {
	if subject == "" {
		return template.URL("/integrity?" + string(query("tenant", tenant, "event", eventID)))
	}
	return template.URL("/subjects?" + string(query("tenant", tenant, "ref", subject)) + "#ev-" + url.PathEscape(eventID))
}
