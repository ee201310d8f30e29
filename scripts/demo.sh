#!/usr/bin/env bash
# `make demo`: the whole-stack example on the embedded simulated cloud. Starts a throwaway MariaDB
# (installed when missing) for the session step; the DSN reaches the program through the
# environment, never its command line.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

start_mariadb || echo "continuing without MariaDB: the session step will be skipped"
step "examples/portal"
PORTAL_MYSQL_DSN=${TEST_MYSQL_DSN:-} go run ./examples/portal "$@"
