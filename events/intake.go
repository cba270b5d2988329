package events

import (
	"errors"
	"strings"

	"github.com/nats-io/nats.go"
)

// The NATS door into the ledger. Only docketd publishes into the events
// stream; a service that emits over NATS sends its batch, as a request, to
// the intake subject of its tenant and source, and docketd validates, seals
// and appends it, and answers as the Append API does. The NATS server binds
// the subject to the caller: a NATS user (or, on the embedded server, an
// emitter's API token) may publish only to the intake subjects of its own
// tenant and source, so docketd takes both from the subject.

// IntakePrefix is the root of the intake subjects. It lies outside the
// events stream's subjects (SubjectPrefix), so nothing sent to it is stored.
const IntakePrefix = "docketd.intake"

// IntakeSubject is the subject a batch for tenant, recorded as source, is
// sent to: docketd.intake.<tenant>.<source>.
func IntakeSubject(tenant, source string) string {
	return IntakePrefix + "." + tenant + "." + source
}

// TokenInboxPrefix is the inbox prefix of a client that logs in to docketd's
// embedded NATS server with the API token whose id is tokenID: such a
// client may subscribe to its own inboxes only (nats.CustomInboxPrefix).
func TokenInboxPrefix(tokenID string) string { return "_INBOX_" + tokenID }

// TokenLogin returns the options that log a NATS client in to docketd's
// embedded server with an emitter's API token ("dkt_<id>_<secret>"): the
// token, and the inbox prefix of the token's id, the only inboxes the
// server lets it subscribe to. The token's holder may then send batches to
// its own intake subject (NewClient).
func TokenLogin(token string) ([]nats.Option, error) {
	rest, ok := strings.CutPrefix(token, "dkt_")
	id, _, cut := strings.Cut(rest, "_")
	if !ok || !cut || CheckToken(id) != nil {
		return nil, errors.New("events: not a Docket API token (dkt_<id>_<secret>)")
	}
	return []nats.Option{nats.Token(token), nats.CustomInboxPrefix(TokenInboxPrefix(id))}, nil
}

// Headers of the intake's requests and replies. An error reply carries the
// micro error headers (micro.ErrorCodeHeader, "Nats-Service-Error-Code",
// holds the Append API's code name, such as "invalid_argument";
// micro.ErrorHeader, "Nats-Service-Error", its message, which names fields
// and ids, never values) and, as its body, an IntakeErrorDetail in JSON.
const (
	// HeaderContentType says how a request's body is encoded: absent or
	// ContentTypeProto for binary protobuf, ContentTypeJSON for protojson.
	// The reply is encoded as the request was.
	HeaderContentType = "Content-Type"
	ContentTypeProto  = "application/protobuf"
	ContentTypeJSON   = "application/json"
)

// IntakeErrorDetail is the body of the intake's error replies: what a
// client needs to rebuild the Append API's typed errors. It never holds a
// value an event carried.
type IntakeErrorDetail struct {
	// FieldViolations of an invalid_argument reply, one per problem, as
	// google.rpc.BadRequest's field violations in JSON.
	FieldViolations []IntakeFieldViolation `json:"fieldViolations,omitempty"`
	// Conflict of an aborted reply, when the store said which subject's
	// expected sequence did not hold.
	Conflict *IntakeConflict `json:"conflict,omitempty"`
	// Shredded: a failed_precondition because a value's subject key was
	// shredded (keys.ErrShredded).
	Shredded bool `json:"shredded,omitempty"`
}

// IntakeFieldViolation is one FieldError.
type IntakeFieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// IntakeConflict is a ConflictError.
type IntakeConflict struct {
	SubjectRef string `json:"subjectRef"`
	Expected   uint64 `json:"expected,string"`
	Actual     uint64 `json:"actual,string"`
}
