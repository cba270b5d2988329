package console

import (
	"bytes"
	"errors"
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
	"github.com/docketledger/docket/events/taxonomy/labels"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
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
	// Keys and enum values show in words (package labels), the key or
	// the value's name in the title: staff see both.
	"key":          labelledKey,
	"keys":         labelledKeys,
	"basis":        labelled[eventsv1.LegalBasis],
	"kind":         labelled[eventsv1.RecipientKind],
	"right":        labelled[eventsv1.Right],
	"ground":       labelled[eventsv1.DenialGround],
	"decision":     labelled[eventsv1.AutomatedDecision],
	"criminal":     labelled[eventsv1.CriminalDataBasis],
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
	"findingStatus": func(st eventsv1.FindingStatus) template.HTML {
		if st == eventsv1.FindingStatus_FINDING_STATUS_UNSPECIFIED {
			st = eventsv1.FindingStatus_FINDING_STATUS_OPEN
		}
		return labelled(st)
	},
	"findingClosed": func(st eventsv1.FindingStatus) bool {
		return st == eventsv1.FindingStatus_FINDING_STATUS_RISK_ACCEPTED || st == eventsv1.FindingStatus_FINDING_STATUS_NOT_APPLICABLE ||
			st == eventsv1.FindingStatus_FINDING_STATUS_RESOLVED
	},
	"words": labelledName,
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

// words are the console's words for fideslang keys and enum values of the
// event vocabulary: English, as the rest of the console.
var words = labels.For("en")

// enumName is an enum value in words, "" when unspecified (a value the
// event does not set): LEGAL_BASIS_ART6_1_A_CONSENT is "consent (Art.
// 6(1)(a) GDPR)".
func enumName[E interface {
	protoreflect.Enum
	comparable
}](e E) string {
	var zero E
	if e == zero {
		return ""
	}
	return words.Enum(e)
}

// basisName writes a legal basis in words, with its article.
func basisName(b eventsv1.LegalBasis) string { return enumName(b) }

// kindName writes a recipient kind in words: "public authority".
func kindName(k eventsv1.RecipientKind) string { return enumName(k) }

// labelled is an enum value in words with its name as the title; empty
// when unspecified.
func labelled[E interface {
	protoreflect.Enum
	comparable
}](e E) template.HTML {
	w := enumName(e)
	if w == "" {
		return ""
	}
	return titled(e.Descriptor().Values().ByNumber(e.Number()).Name(), w)
}

// labelledName is an enum value given by its name (as the API's strings
// carry it) in words with the name as the title; a name without words
// reads as lower-case words without prefix; empty when unspecified.
func labelledName(name, prefix string) template.HTML {
	if name == "" || strings.HasSuffix(name, "_UNSPECIFIED") {
		return ""
	}
	w := words.EnumName(name)
	if w == name {
		w = enumWords(name, prefix)
	}
	return titled(protoreflect.Name(name), w)
}

// labelledKey is a fideslang key in words with the key as the title.
func labelledKey(key string) template.HTML {
	if key == "" {
		return ""
	}
	return titled(protoreflect.Name(key), words.Key(key))
}

// labelledKeys are fideslang keys in words, comma-separated.
func labelledKeys(keys []string) template.HTML {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = string(labelledKey(k))
	}
	return template.HTML(strings.Join(parts, ", "))
}

func titled(name protoreflect.Name, w string) template.HTML {
	return template.HTML(`<span title="` + template.HTMLEscapeString(string(name)) + `">` + template.HTMLEscapeString(w) + `</span>`)
}

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
