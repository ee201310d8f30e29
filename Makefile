# portalkit developer commands. `make test` is the one CI runs.
.PHONY: test demo integration bench vet

# Install what the tests need (MariaDB, AWS's IMDS mock), start a throwaway MariaDB, run gofmt,
# go vet, staticcheck, the public-API check (internal/apicheck) and go test -race.
test:
	bash scripts/test.sh

# The whole-stack example on the embedded simulated cloud (starts a throwaway MariaDB for sessions).
demo:
	bash scripts/demo.sh

# The scenario tests against a real endpoint: AWS_ENDPOINT_URL=http://localhost:4566 make integration
# (LocalStack). Without AWS_ENDPOINT_URL the integration tests skip with a message.
integration:
	go test -tags integration -count=1 ./...

# Benchmarks: Go benchmarks, then the scripts under bench/ that compare with peer tools.
bench:
	go test -run '^$$' -bench . -benchmem ./...
	@set -e; for s in bench/*.sh; do [ -f "$$s" ] || continue; bash "$$s"; done

vet:
	go vet ./...
