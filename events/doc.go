// Package events is Docket's client SDK: the event vocabulary's rules
// (validation, subject scheme, type names), sealing of personal-data values,
// the Client through which a service records events, and the Emitter that
// appends them to the DOCKET JetStream stream.
//
// It has no server or SQL dependencies: an emitting service imports it to
// record what it collected, disclosed or erased. Its way in is the NATS
// door docketd serves: a Client sends each batch to docketd's intake
// subject for the service's tenant and source (IntakeSubject), and docketd
// validates, seals, appends and answers, as its Append API does. Only
// docketd publishes into the events stream, with the Emitter.
//
// The module requires neither a NATS server nor Watermill (TestSDKIsLight
// checks its go.mod): events/natstest, which starts servers for tests and
// holds this module's tests that need one, and events/watermillcodec are
// modules of their own. The Emitter, RecordedBy and package keys are
// docketd's, yet public: the projections module (which cannot import
// docketd's internal packages) writes its test streams with the Emitter,
// which shares the Client's batch checks; RecordedBy is the source the
// Client refuses and the Emitter treats as docketd's own; and the keys
// errors are what DataKeys, KeyOpener and Client.Append report.
package events
