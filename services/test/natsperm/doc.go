// Package natsperm tests deploy/nats, the NATS server configuration of a
// Docket deployment with an external NATS server. It has no code of its
// own, only tests.
//
// The tests run a real nats-server binary with the repository's config
// files: docket.conf (one JetStream account, a user per role) and
// docket-tls.conf (the same with TLS and client certificates). They run
// docketd's own code paths as the docketd user (events.EnsureStream,
// keys.NewKVStore with a secure-erasing Shred, the Emitter, durable
// consumers, the intake) and show that the server refuses every forbidden
// operation: docketd may not delete, update or purge a stream; an emitter
// may not publish into the events stream, only send its batches to its
// own intake subject, where docketd appends them; tail may only read the
// events stream;
// clients without TLS or without a client certificate are turned away.
//
// The binary is $NATS_SERVER_BIN or, when that is unset, one built with
// `go build github.com/nats-io/nats-server/v2` at the version the services
// module requires, cached under the user cache directory. When it cannot be
// built the tests skip, unless CI is "true": then they fail.
package natsperm
