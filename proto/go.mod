module github.com/docketledger/docket/proto

go 1.26.0

toolchain go1.26.11

require (
	connectrpc.com/connect v1.21.1
	github.com/planetscale/vtprotobuf v0.6.0
	google.golang.org/protobuf v1.36.12
)
