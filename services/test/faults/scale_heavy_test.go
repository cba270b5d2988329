//go:build faults

package faults_test

// heavy is true under -tags faults (`make test-faults`): more clients,
// larger batches, longer loads and repeated faults.
const heavy = true
