#!/usr/bin/env bash
# The project's test command (`make test`): installs what the tests need, starts a throwaway MariaDB,
# then runs the format check, go vet, staticcheck, the public-API check (no internal types in an
# exported identifier, internal/apicheck) and the race-enabled test suite.
#
# Environment:
#   TEST_MYSQL_DSN   use this MySQL server instead of starting one (nothing is started)
#   CI               set in CI: tests whose component is missing fail instead of skipping
#   GOTESTFLAGS      extra flags for go test (for example -run or -count=1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

STATICCHECK_VERSION=v0.8.2
IMDS_MOCK_VERSION=v1.13.0

. scripts/lib.sh

# 1. Components.
start_mariadb || echo "continuing without MariaDB: tests that need it will skip (or fail under CI)"

step "ec2-metadata-mock $IMDS_MOCK_VERSION"
mock="$root/bin/ec2-metadata-mock"
if [ ! -x "$mock" ] || [ "$(cat "$root/bin/.ec2-metadata-mock.version" 2>/dev/null)" != "$IMDS_MOCK_VERSION" ]; then
	GOBIN="$root/bin" go install "github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@$IMDS_MOCK_VERSION"
	echo "$IMDS_MOCK_VERSION" >"$root/bin/.ec2-metadata-mock.version"
fi
export PORTALKIT_IMDS_MOCK="$mock"
echo "$mock"

# 2. Static checks.
step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
step "go vet"
go vet ./...
go vet -tags integration ./...
step "staticcheck $STATICCHECK_VERSION"
go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...

step "public API: no internal types"
# Every exported identifier of a public package must use types users can name (also part of the
# test run below; here first, so that a leak is reported before the long run).
go test -count=1 -run 'TestPublicAPIHasNoInternalTypes|TestLeaksFindsInternalTypes' ./internal/apicheck

# 3. Tests.
step "go test -race"
# shellcheck disable=SC2086 # GOTESTFLAGS is a list of flags
go test -race ${GOTESTFLAGS:-} ./...

step "go test -race -tags integration (the integration scenarios, on the simulated cloud)"
# The same scenarios `make integration` runs against an endpoint, here on the simulated cloud (no
# endpoint in the environment), so they cannot rot between endpoint runs. Only the TestIntegration
# tests: the rest of those packages already ran above.
integration_pkgs=$(grep -rl --include='*_test.go' '^//go:build integration' . | xargs -n1 dirname | sort -u)
# shellcheck disable=SC2086 # a list of packages and flags
env -u AWS_ENDPOINT_URL -u PORTALKIT_INTEGRATION_AWS go test -race -tags integration -run '^TestIntegration' ${GOTESTFLAGS:-} $integration_pkgs
