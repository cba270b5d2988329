//go:build !faults

package faults_test

// heavy is false in `make test`: light loads, one fault per test, so that
// the package stays well under two minutes. `make test-faults` builds with
// -tags faults for the heavy loads.
const heavy = false
