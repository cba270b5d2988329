module github.com/docketledger/docket/projections

go 1.26
