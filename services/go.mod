module github.com/docketledger/docket/services

go 1.26
