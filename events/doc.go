// Package events is Docket's client SDK: the event vocabulary's rules
// (validation, subject scheme, type names), sealing of personal-data values,
// and the Emitter that appends events to the DOCKET JetStream stream.
//
// It has no server or SQL dependencies: an emitting service imports it to
// record what it collected, disclosed or erased.
package events
