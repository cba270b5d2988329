package events

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
