# portalkit developer commands. `make test` is the one CI runs.
.PHONY: test demo integration integration-clean bench vet

# Install what the tests need (MariaDB, AWS's IMDS mock), start a throwaway MariaDB, run gofmt,
# go vet, staticcheck, the public-API check (internal/apicheck) and go test -race.
test:
	bash scripts/test.sh

# The whole-stack example on the embedded simulated cloud (starts a throwaway MariaDB for sessions).
demo:
	bash scripts/demo.sh

# The integration suite (build tag integration). Without an endpoint it runs on the simulated
# cloud; AWS_ENDPOINT_URL=http://localhost:4566 make integration points it at LocalStack, and
# PORTALKIT_INTEGRATION_AWS=1 (with AWS_REGION and credentials in the environment) at real AWS: see
# the README's integration section first. Every wait is bounded to a few minutes, each test binary
# to INTEGRATION_TIMEOUT; against an endpoint the last step lists what is left by the run tag and
# fails if anything is.
INTEGRATION_TIMEOUT ?= 45m
integration:
	go test -tags integration -count=1 -timeout $(INTEGRATION_TIMEOUT) ./...
	@if [ -n "$$AWS_ENDPOINT_URL$$PORTALKIT_INTEGRATION_AWS" ]; then go run ./internal/cmd/integration-clean -check; fi

# Lists what interrupted integration runs left on the endpoint (by the portalkit:test-run tag; S3
# buckets by their pkit- prefix). It deletes nothing unless CONFIRM=1, since it may point at a real
# account: make integration-clean CONFIRM=1. RUN=<id> limits it to one run.
integration-clean:
	go run ./internal/cmd/integration-clean $(if $(RUN),-run $(RUN)) $(if $(CONFIRM),-confirm)

# Benchmarks: Go benchmarks, then the scripts under bench/ that compare with peer tools.
bench:
	go test -run '^$$' -bench . -benchmem ./...
	@set -e; for s in bench/*.sh; do [ -f "$$s" ] || continue; bash "$$s"; done

vet:
	go vet ./...
