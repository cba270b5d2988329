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
package events
