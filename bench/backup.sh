#!/usr/bin/env bash
# Benchmark of package backup (bench/backupbench: mariadb-dump -> zstd -> S3 multipart, with the
# manifest) against, in the same run, on the same generated database and the same loopback S3
# server (gofakes3 in its own process):
#   shell: mariadb-dump FLAGS db | gzip | aws s3 cp - s3://bench/...   (set -o pipefail)
#   dump:  mariadb-dump FLAGS db > /dev/null                            (the limit)
# All three use the same flags (--single-transaction --quick --routines --triggers --events
# --hex-blob --no-tablespaces) and read the password from a 0600 option file. Prints the median
# time of each over RUNS runs (order rotated per run), the median of per-run throughput ratios, the peak RSS of the
# backup process, the load average, and whether each goal is met (for the default, zstd; a row
# with Options.Compression = s2, the CPU-light choice, is printed for comparison):
#   throughput >= 1.5x the shell pipeline, >= 0.9x the dump alone; peak RSS <= 64 MiB.
#
# Environment: SIZE_MB (generated database size, default 100), RUNS (default 3), DSN (server; default
# $TEST_MYSQL_DSN, else a throwaway MariaDB started here), KEEP=1 keeps the work directory and the database.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-3}
DSN=${DSN:-${TEST_MYSQL_DSN:-}}
DUMP=$(command -v mariadb-dump || command -v mysqldump)
CLIENT=$(command -v mariadb || command -v mysql)
FLAGS=(--single-transaction --quick --routines --triggers --events --hex-blob --no-tablespaces)
DB=pk_bench_$$
work=$(mktemp -d /tmp/backupbench.XXXXXX)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	if [ -z "${KEEP:-}" ]; then
		[ -s "$work/client.cnf" ] && "$CLIENT" --defaults-extra-file="$work/client.cnf" -e "DROP DATABASE IF EXISTS $DB" || true
		rm -rf "$work"
	else echo "kept: $work and database $DB" >&2; fi
	if [ -n "$dbdir" ]; then scripts/mariadb.sh stop "$dbdir"; rm -rf "$dbdir"; fi
}
dbdir=""
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$DSN" ]; then
	dbdir=$(mktemp -d /tmp/pkdb.XXXXXX)
	scripts/mariadb.sh install
	scripts/mariadb.sh start "$dbdir"
	DSN=$(cat "$dbdir/dsn")
fi
# The helpers read the DSN from the environment: on argv, its password would be visible to every
# user in ps for the whole run.
export BENCH_DSN=$DSN
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed for RSS" >&2; exit 2; }
command -v aws >/dev/null || { echo "the aws CLI is needed for the shell peer" >&2; exit 2; }

log "building helpers"
go build -o "$work/backupbench" ./bench/backupbench
go build -o "$work/s3syncbench" ./bench/s3syncbench
"$work/s3syncbench" serve -addr 127.0.0.1:0 >"$work/addr" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
[ -s "$work/addr" ] || { echo "the S3 server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
E="http://$(head -1 "$work/addr")"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$work/none AWS_SHARED_CREDENTIALS_FILE=$work/none
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL
s3h() { "$work/s3syncbench" "$1" -endpoint "$E" -bucket bench "${@:2}"; }
s3h mkbucket
"$work/backupbench" cnf -out "$work/client.cnf"

log "generating a ${SIZE_MB} MiB database $DB"
"$work/backupbench" gen -db "$DB" -size-mb "$SIZE_MB" >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

record() { # NAME CMD...: time one run into $work/t.NAME
	local name=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" 2>>"$work/err.log" >"$work/out.$name" || { echo "FAILED: $name" >&2; tail -5 "$work/err.log" >&2; exit 1; }
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/t.$name"
}
dump_only() { "$DUMP" --defaults-extra-file="$work/client.cnf" "${FLAGS[@]}" "$DB" >/dev/null; }
# The same dump read through a pipe by cat: what any consumer of the client's output pays (writing
# to /dev/null directly skips the pipe's copies and wake-ups). A reference, not a verdict.
dump_pipe() { bash -o pipefail -c '"$1" --defaults-extra-file="$2" "${@:4}" "$3" | cat >/dev/null' _ "$DUMP" "$work/client.cnf" "$DB" "${FLAGS[@]}"; }
shell() {
	bash -o pipefail -c '"$1" --defaults-extra-file="$2" "${@:5}" "$3" | gzip | aws s3 cp - "s3://bench/shell/$4.sql.gz" --endpoint-url "$E" --only-show-errors' \
		_ "$DUMP" "$work/client.cnf" "$DB" "$r" "${FLAGS[@]}"
}
export E
ours() {
	/usr/bin/time -o "$work/rss.$r" -f '%M' "$work/backupbench" backup -db "$DB" -endpoint "$E" -bucket bench -prefix "ours$r/"
}
ours_s2() { "$work/backupbench" backup -db "$DB" -endpoint "$E" -bucket bench -prefix "s2$r/" -compression s2; }
for r in $(seq "$RUNS"); do
	log "run $r/$RUNS"
	case $((r % 3)) in
	1) record dump dump_only; record pipe dump_pipe; record shell shell; record ours ours; record s2 ours_s2 ;;
	2) record shell shell; record s2 ours_s2; record ours ours; record pipe dump_pipe; record dump dump_only ;;
	0) record ours ours; record dump dump_only; record s2 ours_s2; record shell shell; record pipe dump_pipe ;;
	esac
	cp "$work/out.ours" "$work/ours.$r.json"
	cp "$work/out.s2" "$work/s2.$r.json"
	s3h rm -prefix "ours$r/" >/dev/null; s3h rm -prefix "s2$r/" >/dev/null; s3h rm -prefix "shell/" >/dev/null
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g "$work/t.$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratio A B: median over runs of t(A)/t(B) = throughput(B)/throughput(A).
ratio() { paste "$work/t.$1" "$work/t.$2" | awk '$2 > 0 { print $1 / $2 }' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.2f\n", a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "met" : "MISSED" }'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$work/ours.1.json"; }
dump_bytes=$(field dumpBytes); stored=$(field storedBytes)
rss_kb=$(cat "$work"/rss.* | sort -n | tail -1)
hwm_kb=$(for f in "$work"/ours.[0-9]*.json; do sed -n 's/.*"hwmKiB":\([0-9]*\).*/\1/p' "$f"; done | sort -n | tail -1)
t_pipe=$(median pipe) t_dump=$(median dump) t_shell=$(median shell) t_ours=$(median ours) t_s2=$(median s2)
stored_s2=$(sed -n 's/.*"storedBytes":\([0-9]*\).*/\1/p' "$work/s2.1.json")
mibs() { awk -v b="$dump_bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1048576 / t }'; }
vs_shell=$(ratio shell ours) vs_dump=$(ratio dump ours) s2_vs_dump=$(ratio dump s2) vs_pipe=$(ratio pipe ours)
rss_mib=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
hwm_mib=$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')

echo
echo "backup benchmark: SIZE_MB=$SIZE_MB RUNS=$RUNS, dump $dump_bytes bytes, stored (zstd) $stored bytes, $(nproc) CPUs"
echo "load average before: $load_before   after: $load_after"
printf '%-34s %9s %9s\n' "" "median s" "MiB/s"
printf '%-34s %9s %9s\n' "mariadb-dump > /dev/null" "$t_dump" "$(mibs "$t_dump")"
printf '%-34s %9s %9s\n' "mariadb-dump | cat > /dev/null" "$t_pipe" "$(mibs "$t_pipe")"
printf '%-34s %9s %9s\n' "mariadb-dump | gzip | aws s3 cp -" "$t_shell" "$(mibs "$t_shell")"
printf '%-34s %9s %9s\n' "backup.Backup (zstd, multipart)" "$t_ours" "$(mibs "$t_ours")"
printf '%-34s %9s %9s   (stored %s bytes)\n' "backup.Backup (s2, multipart)" "$t_s2" "$(mibs "$t_s2")" "$stored_s2"
echo
printf 'throughput vs shell pipeline: %sx (goal >= 1.5: %s)\n' "$vs_shell" "$(verdict "$vs_shell" '>=' 1.5)"
printf 'throughput vs dump alone:     %sx (goal >= 0.9: %s)\n' "$vs_dump" "$(verdict "$vs_dump" '>=' 0.9)"
printf 'with s2 instead of zstd, vs dump alone: %sx\n' "$s2_vs_dump"
printf 'throughput vs the dump read through a pipe (reference): %sx\n' "$vs_pipe"
printf 'peak RSS, backup process + waited-for dump client (GNU time %%M): %s MiB (goal <= 64: %s)\n' "$rss_mib" "$(verdict "$rss_mib" '<=' 64)"
printf 'peak RSS, backup process alone (VmHWM): %s MiB (goal <= 64: %s)\n' "$hwm_mib" "$(verdict "$hwm_mib" '<=' 64)"
