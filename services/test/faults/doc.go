// Package faults holds fault tests of docketd against real processes on
// loopback: the docketd binary killed with SIGKILL under load, alone or as
// the signing one of two replicas, a JetStream cluster losing its stream
// leader under load, PostgreSQL killed while the projector writes, the
// same event appended by several clients at once, and a data dir that is
// read-only or full.
//
// The package has tests only. `make test` runs them with a light load;
// `make test-faults` runs them with -tags faults, under heavier load and
// with more faults per test. Each test logs what it checked in numbers.
package faults
