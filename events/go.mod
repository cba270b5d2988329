module github.com/docketledger/docket/events

go 1.26
