// The vulnerability database builder of `make vulncheck` (see main.go). Not
// in go.work: run it with GOWORK=off.
module github.com/docketledger/docket/ci/vulndb

go 1.26.0

toolchain go1.26.11

require golang.org/x/mod v0.43.0
