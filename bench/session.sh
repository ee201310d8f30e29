#!/usr/bin/env bash
# Session store throughput: rds/session against scs's mysqlstore on the same MariaDB, 64 concurrent
# clients, Find / Commit / 90-10 mix, with the driver's default prepared statements and with
# interpolateParams=true. Prints the median ops/s of COUNT runs per case and the ratio. The >= 1.2x
# goal is for the default DSN; with interpolateParams=true both stores are at one round trip per call.
#
# Environment:
#   TEST_MYSQL_DSN   server to use (default: a throwaway MariaDB started here)
#   COUNT            runs per case (default 5)
#   BENCHTIME        go test -benchtime per case (default 1s)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_MYSQL_DSN:-}" ]; then
	dbdir=$(mktemp -d /tmp/pkdb.XXXXXX)
	trap 'scripts/mariadb.sh stop "$dbdir"; rm -rf "$dbdir"' EXIT
	scripts/mariadb.sh install
	scripts/mariadb.sh start "$dbdir"
	TEST_MYSQL_DSN=$(cat "$dbdir/dsn")
	export TEST_MYSQL_DSN
fi

out=$(mktemp)
# One go test per round rather than -count: -count repeats each case back to back, while separate
# rounds interleave the two stores in time, so load from other processes hits both alike.
go test -c -o "$out.test" ./rds/session/
for _ in $(seq 1 "${COUNT:-5}"); do
	(cd rds/session && "$out.test" -test.run '^$' -test.bench '^BenchmarkStores$' -test.benchtime "${BENCHTIME:-1s}") | tee -a "$out"
done

echo
echo "median ops/s over ${COUNT:-5} runs (64 clients, $(nproc) cores)"
printf '%-13s %-9s %12s %12s %7s\n' dsn op portalkit mysqlstore ratio
awk '
/^BenchmarkStores\// {
	split($1, p, "/"); sub(/^dsn=/, "", p[2]); sub(/^op=/, "", p[3]); split(p[4], s, "-"); sub(/^store=/, "", s[1])
	for (i = 2; i <= NF; i++) if ($(i) == "ops/s") v = $(i-1)
	key = p[2] " " p[3]; vals[key, s[1]] = vals[key, s[1]] " " v; keys[key] = 1
}
function median(str,   a, n, i, j, t) {
	n = split(str, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	for (k in keys) {
		split(k, kk, " "); a = median(vals[k, "portalkit"]); b = median(vals[k, "mysqlstore"])
		printf "%-13s %-9s %12.0f %12.0f %6.2fx\n", kk[1], kk[2], a, b, a / b
	}
}' "$out" | sort
echo
echo "goal: portalkit >= 1.2x mysqlstore with the driver's default DSN (dsn=prepared), where mysqlstore"
echo "prepares, executes and closes a statement per call and portalkit executes one prepared statement."
echo "With interpolateParams=true (dsn=interpolated) both stores make one round trip per call, the limit"
echo "for both: there the ratio is about 1x and varies with load between runs."
rm -f "$out" "$out.test"
