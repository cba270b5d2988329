module github.com/docketledger/docket/events

go 1.26.0

toolchain go1.26.11

require (
	github.com/docketledger/docket/proto v0.0.0
	github.com/google/uuid v1.6.0
	github.com/nats-io/nats.go v1.56.0
	github.com/synadia-io/orbit.go/jetstreamext v0.4.0
	github.com/transparency-dev/formats v0.1.1
	golang.org/x/mod v0.43.0
	google.golang.org/protobuf v1.36.12
)

require (
	filippo.io/mldsa v0.0.0-20260215214346-43d0283efc3e // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/nats-io/nkeys v0.4.17 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/planetscale/vtprotobuf v0.6.0 // indirect
	github.com/synadia-io/orbit.go/natsext v0.1.3 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/docketledger/docket/proto => ../proto
