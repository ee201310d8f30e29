# Shared by the project's scripts; source it, do not run it.

step() { printf '\n== %s\n' "$*"; }

# start_mariadb exports TEST_MYSQL_DSN for a throwaway MariaDB server (installed when missing),
# stopped and removed when the calling script exits. An existing TEST_MYSQL_DSN wins and nothing is
# started. Returns 1, saying why, when MariaDB is missing and cannot be installed.
start_mariadb() {
	if [ -n "${TEST_MYSQL_DSN:-}" ]; then
		step "MariaDB: using TEST_MYSQL_DSN"
		return 0
	fi
	step "MariaDB (throwaway server)"
	scripts/mariadb.sh install || return 1
	_pk_dbdir=$(mktemp -d /tmp/pkdb.XXXXXX)
	trap 'scripts/mariadb.sh stop "$_pk_dbdir"; rm -rf "$_pk_dbdir"' EXIT
	# Called as `start_mariadb || ...`, where set -e does not apply: check each step.
	scripts/mariadb.sh start "$_pk_dbdir" || { echo "MariaDB did not start" >&2; exit 1; }
	TEST_MYSQL_DSN=$(cat "$_pk_dbdir/dsn") || exit 1
	export TEST_MYSQL_DSN
	echo "started on 127.0.0.1:$(cat "$_pk_dbdir/port"), data in $_pk_dbdir"
}
