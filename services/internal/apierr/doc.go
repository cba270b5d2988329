// Package apierr holds what every service of docket.api.v1 answers when a
// call fails: invalid_argument naming every field problem (also as
// google.rpc.BadRequest field violations), not_found that reveals nothing,
// and the mapping of read-model, checkpoint and context errors to Connect
// codes. Transport codes belong at the edge: the services call these, the
// packages under them return plain Go errors.
//
// No message built here quotes a request's values: a value in the wrong
// field can be personal data (an email typed as a subject).
package apierr
