# Docket — every target a newcomer needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The toolchain go.work and the go.mod files name (a patch release with the
# standard library's security fixes; make vulncheck checks them) is fetched
# from the module proxy when the installed Go is older, even where the
# user's go env says GOTOOLCHAIN=local.
export GOTOOLCHAIN := auto

MODULES := proto events events/natstest events/watermillcodec projections services
# Modules outside go.work (run with GOWORK=off): the vulnerability database
# builder and the Kubernetes manifests' schema check.
CI_MODULES := .ci/vulndb .ci/kubecheck
TOOLS   := $(CURDIR)/.tools/bin
BUF     := $(TOOLS)/buf

# Pinned tool versions, built from the Go module proxy.
BUF_VERSION             := v1.75.0
PROTOC_GEN_GO_VERSION   := v1.36.12
PROTOC_GEN_CONNECT_VERSION := v1.21.1
PROTOC_GEN_VTPROTO_VERSION := v0.6.0
STATICCHECK_VERSION     := v0.8.2
GOVULNCHECK_VERSION     := v1.9.0
KUSTOMIZE_VERSION       := v5.7.1
# The vulnerability database for `make vulncheck`: the OSV entries of this
# golang.org/x/vulndb snapshot, fetched through the module proxy (vuln.go.dev is
# not needed) and checked against its go.sum hash. To move on, e.g.:
#   make vulncheck VULNDB_VERSION=latest VULNDB_SUM=
# (or pin a new version with the Sum printed by `GOWORK=off go mod download -json golang.org/x/vulndb@VERSION`).
VULNDB_VERSION          := v0.0.0-20261105234957-e22db6528018
VULNDB_SUM              := h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=

# Fuzz budgets are execution counts, about 10 s each on a loaded 2-core
# machine: a duration races the Go 1.26 fuzz coordinator's own deadline and
# fails at the boundary with "context deadline exceeded" and nothing found
# (golang/go#75804, fixed in Go 1.27). FUZZTIME (a duration or "Nx")
# overrides every target's budget: FUZZTIME=1m make test.
FUZZTIME ?=
fuzz = go test -run '^$$' -fuzz '^$(1)$$' -fuzztime $(if $(FUZZTIME),$(FUZZTIME),$(3)) -fuzzminimizetime 1s $(2)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(TOOLS)/.buf-$(BUF_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	@touch $@
$(TOOLS)/.protoc-gen-go-$(PROTOC_GEN_GO_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	@touch $@
$(TOOLS)/.protoc-gen-connect-go-$(PROTOC_GEN_CONNECT_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install connectrpc.com/connect/cmd/protoc-gen-connect-go@$(PROTOC_GEN_CONNECT_VERSION)
	@touch $@
$(TOOLS)/.protoc-gen-go-vtproto-$(PROTOC_GEN_VTPROTO_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto@$(PROTOC_GEN_VTPROTO_VERSION)
	@touch $@
$(TOOLS)/.staticcheck-$(STATICCHECK_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@
$(TOOLS)/.govulncheck-$(GOVULNCHECK_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	@touch $@

$(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOWORK=off go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@touch $@

PROTO_TOOLS := $(TOOLS)/.buf-$(BUF_VERSION) $(TOOLS)/.protoc-gen-go-$(PROTOC_GEN_GO_VERSION) \
  $(TOOLS)/.protoc-gen-connect-go-$(PROTOC_GEN_CONNECT_VERSION) $(TOOLS)/.protoc-gen-go-vtproto-$(PROTOC_GEN_VTPROTO_VERSION)

.PHONY: tools
tools: $(PROTO_TOOLS) $(TOOLS)/.staticcheck-$(STATICCHECK_VERSION) $(TOOLS)/.govulncheck-$(GOVULNCHECK_VERSION) $(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION) ## Build the pinned tools into .tools/bin

.PHONY: generate
generate: $(PROTO_TOOLS) ## Generate Go code from proto/ (committed)
	$(BUF) generate

.PHONY: fmt
fmt: ## Format Go and proto sources
	gofmt -w $$(git ls-files '*.go' | grep -v '/gen/')
	$(BUF) format -w

.PHONY: lint
lint: $(PROTO_TOOLS) $(TOOLS)/.staticcheck-$(STATICCHECK_VERSION) ## buf lint and staticcheck
	$(BUF) lint
	for m in $(MODULES); do (cd $$m && $(TOOLS)/staticcheck ./...); done
	for m in $(CI_MODULES); do (cd $$m && GOWORK=off $(TOOLS)/staticcheck ./...); done

.PHONY: vulncheck
vulncheck: $(TOOLS)/.govulncheck-$(GOVULNCHECK_VERSION) ## govulncheck every module (DB: golang.org/x/vulndb@VULNDB_VERSION)
	GOWORK=off go -C .ci/vulndb run . -version $(VULNDB_VERSION) -sum '$(VULNDB_SUM)' -max-age 24h \
	  -cache $(CURDIR)/.tools/vulndb-cache -out $(CURDIR)/.tools/vulndb
	@rc=0; for m in $(MODULES) $(CI_MODULES); do echo "govulncheck $$m"; \
	  (cd $$m && GOWORK=off $(TOOLS)/govulncheck -db file://$(CURDIR)/.tools/vulndb ./...) || rc=1; done; exit $$rc

.PHONY: check
check: $(PROTO_TOOLS) lint ## Format, vet, lint, breaking, generated code, go.mod up to date, vulncheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '/gen/')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(BUF) format -d --exit-code
	bash .ci/buf-breaking
	@tmp=$$(mktemp -d); cp -r proto/gen $$tmp/gen; $(BUF) generate; \
	  if ! diff -r $$tmp/gen proto/gen >/dev/null; then rm -rf proto/gen; cp -r $$tmp/gen proto/gen; rm -rf $$tmp; \
	    echo "generated code is stale: run make generate and commit"; exit 1; fi; rm -rf $$tmp
	for m in $(MODULES); do (cd $$m && GOWORK=off go mod tidy -diff && GOWORK=off go build ./... && GOWORK=off go vet ./...); done
	for m in $(CI_MODULES); do (cd $$m && GOWORK=off go mod tidy -diff && GOWORK=off go vet ./...); done
	go vet work
	go vet -tags cockroach ./projections/store/postgres/
	$(MAKE) --no-print-directory vulncheck

# Headless Chromium (Debian's package) for the browser tests of the web console
# (services/internal/testkit/browsertest). Installed with apt when not on PATH.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: chromium
chromium: ## Install Debian's chromium (for the browser tests) when it is missing
	@if command -v chromium >/dev/null 2>&1; then echo "chromium: $$(command -v chromium)"; else \
	  echo "installing chromium (apt)"; \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; fi

.PHONY: test
test: chromium $(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION) ## Run every test (race detector) and a short fuzz run
	KUSTOMIZE=$(TOOLS)/kustomize go test -race -count=1 -timeout 15m work
	for m in $(CI_MODULES); do (cd $$m && GOWORK=off go test -race -count=1 ./...); done
	$(MAKE) --no-print-directory kube-check
	$(call fuzz,FuzzDecodeValidate,./events,100000x)
	$(call fuzz,FuzzDecodeJSON,./events,100000x)
	$(call fuzz,FuzzValidEventProjects,./projections/projector,300x)
	$(call fuzz,FuzzDecodeThenWrite,./projections/projector,4000x)
	$(call fuzz,FuzzParseCheckpoint,./events/checkpoint,300000x)
	$(call fuzz,FuzzParseBundle,./events/proof,100000x)
	$(call fuzz,FuzzAPIRequests,./services/internal/ingest,8000x)
	$(call fuzz,FuzzIntakeRequest,./services/internal/intake,10000x)
	$(call fuzz,FuzzSplit,./services/internal/auth,50000x)
	$(call fuzz,FuzzFilters,./services/internal/console,10000x)

.PHONY: test-faults
test-faults: ## Fault tests under heavy load: NATS leader killed, PostgreSQL killed, concurrent duplicates, read-only and full disk (root, tmpfs)
	go test -race -count=1 -timeout 30m -tags faults -v -run . ./services/test/faults/

.PHONY: deploy-check
deploy-check: $(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION) kube-check ## Check deploy/: NATS configs (nats-server -t, a real 3-node cluster), compose, Kubernetes, Dockerfile, README commands
	KUSTOMIZE=$(TOOLS)/kustomize go test -race -count=1 ./services/test/deploycheck/

.PHONY: kube-check
kube-check: $(TOOLS)/.kustomize-$(KUSTOMIZE_VERSION) ## The Kubernetes manifests, as kustomize builds them, against Kubernetes' API types (.ci/kubecheck)
	$(TOOLS)/kustomize build deploy/kubernetes | GOWORK=off go -C .ci/kubecheck run .

.PHONY: build
build: ## Build docketd and docket into bin/
	go build -o bin/docketd ./services/cmd/docketd
	go build -o bin/docket ./services/cmd/docket

.PHONY: run
run: build ## Start docketd on the embedded default with the demo data set (./data), NATS on 127.0.0.1:4222 for docket tail
	bin/docketd --demo --nats-listen 127.0.0.1:4222

.PHONY: bench
bench: ## Append (also 1 nats-server vs a 3-node cluster), read side (projection, queries, storage) and verifiable ledger (notary, verify log, proofs) vs raw baselines; ~16 min
	go run ./services/cmd/docket-bench

.PHONY: bench-large
bench-large: ## At 10M events: the read side (SQLite rebuild, queries), docketd end to end (append, lag, catch-up, queries, memory), and the cluster ratio; long
	go run ./services/cmd/docket-bench -only read -read-n 10000000 -postgres=false
	go run ./services/cmd/docket-bench -only e2e,cluster -e2e-n 10000000

.PHONY: clean
clean: ## Remove build output and the local data dir
	rm -rf bin data test-output
