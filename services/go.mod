module github.com/docketledger/docket/services

go 1.26.0

require (
	github.com/docketledger/docket/events v0.0.0
	github.com/docketledger/docket/proto v0.0.0
)

replace (
	github.com/docketledger/docket/events => ../events
	github.com/docketledger/docket/proto => ../proto
)
