#!/usr/bin/env bash
# Benchmark of the s3sync package against `aws s3 sync` and `rclone sync`, all talking to the same
# loopback S3 server (gofakes3, in memory, in its own process) in the same run. Prints the median of
# RUNS runs per scenario, the median of the per-run ratios, and whether each goal is met.
#
# Scenarios: push 10,000 x 4 KiB files; no-op re-sync of them (vs a bare ListObjectsV2 walk of the
# prefix, with the request count; these two are short and run three times per run); 100 changed of
# 10,000; push and pull 2 x 512 MiB (vs a raw multipart upload and a raw ranged download of the same
# bytes, same part size, one pool of the same concurrency); peak RSS and requests of a no-op sync of
# 100,000 files.
#
# Each peer runs twice per round: with s3sync's concurrency (aws max_concurrent_requests, rclone
# --transfers and --checkers set to s3sync's DefaultConcurrency), which gives the verdict, and with
# its own defaults (aws 10 requests, rclone 4 transfers and 8 checkers), reported in a second table.
# Within each round the tools run in an order rotated by one from the previous round, so none is
# always first (warm caches, a fresh server) or last.
#
# Environment: RUNS (default 3), BIG_RUNS (runs of the large-file scenarios, default 5), SMALL_N
# (10000), BIG_MB (512), RSS_N (100000), KEEP=1 keeps the work directory. Needs go; installs rclone
# and GNU time with apt-get when missing and run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
BIG_RUNS=${BIG_RUNS:-5}
SMALL_N=${SMALL_N:-10000}
BIG_MB=${BIG_MB:-512}
RSS_N=${RSS_N:-100000}
work=$(mktemp -d /tmp/s3syncbench.XXXXXX)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "work directory kept: $work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # run the EXIT trap on Ctrl-C and kill too
log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------------
need_pkg() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing $2"
		# A fresh machine may have no package lists yet: update once, then retry.
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } || true
	fi
	command -v "$1" >/dev/null 2>&1
}
have_rclone=1; need_pkg rclone rclone || { have_rclone=0; log "rclone not available: its columns are skipped"; }
have_time=1; [ -x /usr/bin/time ] || need_pkg /usr/bin/time time || { have_time=0; log "GNU time not available: RSS is skipped"; }
have_aws=1; command -v aws >/dev/null || { have_aws=0; log "aws CLI not available: its columns are skipped"; }

bin=$work/s3syncbench
log "building the helper"
go build -o "$bin" ./bench/s3syncbench

# --- server --------------------------------------------------------------------------------------
"$bin" serve -addr 127.0.0.1:0 >"$work/addr" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
[ -s "$work/addr" ] || { echo "the S3 server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
E="http://$(head -1 "$work/addr")"
log "S3 server on $E (pid $server_pid)"

# Dummy credentials; no user config (the peers run with their defaults). AWS_CA_BUNDLE would make
# rclone's SDK reject its own HTTP transport, and nothing here uses TLS.
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=$work/none AWS_SHARED_CREDENTIALS_FILE=$work/none
conc=$("$bin" defaults -field concurrency)
printf '[default]\ns3 =\n  max_concurrent_requests = %s\n' "$conc" >"$work/aws-matched.conf"
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$E \
	RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=bench RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=bench \
	RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_REGION=us-east-1
: >"$work/rclone.conf"

h() { "$bin" "$1" -endpoint "$E" -bucket bench "${@:2}"; }
ours() { h "$@" >/dev/null; }
aws_s3sync() { aws s3 sync --endpoint-url "$E" --only-show-errors --no-progress "$@"; }
rclone_sync() { rclone sync -q --config "$work/rclone.conf" "$@"; }
# The peers, matched (m) to s3sync's concurrency and at their defaults (d).
aws_m() { AWS_CONFIG_FILE=$work/aws-matched.conf aws_s3sync "$@"; }
aws_d() { aws_s3sync "$@"; }
rclone_m() { rclone_sync --transfers "$conc" --checkers "$conc" "$@"; }
rclone_d() { rclone_sync "$@"; }
peers=()
[ $have_aws = 1 ] && peers+=(aws_m aws_d)
[ $have_rclone = 1 ] && peers+=(rclone_m rclone_d)
# dest TOOL PREFIX: the destination argument of TOOL for a prefix of the bench bucket.
dest() { case $1 in aws_*) echo "s3://bench/$2" ;; rclone_*) echo "bench:bench/$2" ;; esac; }
h mkbucket

# --- measuring -----------------------------------------------------------------------------------
# record NAME CMD...: time one run, append the seconds to $work/t.NAME.
record() {
	local name=$1 s e
	shift
	s=$(date +%s.%N)
	"$@" >/dev/null 2>>"$work/err.log" || { echo "FAILED: $name: $*" >&2; tail -5 "$work/err.log" >&2; exit 1; }
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/t.$name"
}
median() { [ -s "$work/t.$1" ] && sort -g "$work/t.$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratio A B: the median over runs of A/B, each run's A divided by the same run's B (the tools run
# back to back within a run, so a change of machine load between runs cancels out).
ratio() {
	[ -s "$work/t.$1" ] && [ -s "$work/t.$2" ] || { echo "-"; return; }
	paste "$work/t.$1" "$work/t.$2" | awk '$2 > 0 { print $1 / $2 }' | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f\n", a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# rotated R ITEM...: the items, rotated left by R-1 (round R's order).
rotated() {
	local r=$1 n i
	shift
	n=$#
	local a=("$@")
	for ((i = 0; i < n; i++)); do echo "${a[$(((i + r - 1) % n))]}"; done
}
# verdict VALUE OP LIMIT
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (v == "-") { print "n/a"; exit } ok = (op == "<=") ? v <= l : v >= l; print ok ? "met" : "MISSED" }'; }
stats() { "$bin" stats -endpoint "$E"; }

# --- 10,000 small files: push, no-op, 100 changed ---------------------------------------------------
log "generating $SMALL_N x 4 KiB files"
h gen -dir "$work/small" -n "$SMALL_N" -size 4096
for r in $(seq "$RUNS"); do
	log "push $SMALL_N small files, run $r/$RUNS"
	for tool in $(rotated "$r" ours "${peers[@]}"); do
		if [ "$tool" = ours ]; then
			record push_ours ours push -dir "$work/small" -prefix "small/ours$r"
		else
			record "push_$tool" "$tool" "$work/small" "$(dest "$tool" "small/$tool$r")"
		fi
	done
done
for r in $(seq "$RUNS"); do
	log "no-op re-sync, run $r/$RUNS"
	for tool in $(rotated "$r" ours "${peers[@]}"); do
		if [ "$tool" = ours ]; then
			# The s3sync no-op and the bare walk are short, so they run three times per run, alternating.
			for _ in 1 2 3; do
				stats >/dev/null
				record noop_ours ours push -dir "$work/small" -prefix small/ours1
				stats >"$work/noop_requests.json"
				record noop_walk h walk -prefix small/ours1/
			done
		else
			record "noop_$tool" "$tool" "$work/small" "$(dest "$tool" "small/${tool}1")"
		fi
	done
done
for r in $(seq "$RUNS"); do
	log "100 changed files, run $r/$RUNS"
	for f in "$work/small/d$(printf %03d $(((r - 1) % ((SMALL_N + 99) / 100))))"/*; do head -c 4096 /dev/urandom >"$f"; done
	for tool in $(rotated "$r" ours "${peers[@]}"); do
		if [ "$tool" = ours ]; then
			stats >/dev/null
			record changed_ours ours push -dir "$work/small" -prefix small/ours1
			stats >"$work/changed_requests.json"
		else
			record "changed_$tool" "$tool" "$work/small" "$(dest "$tool" "small/${tool}1")"
		fi
	done
done
for r in $(seq "$RUNS"); do
	for tool in "${peers[@]}"; do h rm -prefix "small/$tool$r/"; done
	[ "$r" = 1 ] || h rm -prefix "small/ours$r/"
done

# --- 2 x 512 MiB: push and pull vs raw multipart ------------------------------------------------------
log "generating 2 x $BIG_MB MiB files"
h gen -dir "$work/big" -n 2 -size $((BIG_MB << 20))
big0=$work/big/d000/f000000.bin big1=$work/big/d000/f000001.bin
rawput2() { h rawput -key big/raw/f0,big/raw/f1 -file "$big0,$big1"; }
rawget2() { h rawget -key big/raw/f0,big/raw/f1 -file "$work/rawget/f0,$work/rawget/f1"; }
# Dirty pages of one run slow the next one's writes, so each timed run starts after a sync, and the
# order alternates between runs.
bigpush() {
	h rm -prefix big/raw/ && sync && record bigpush_raw rawput2
	h rm -prefix big/ours/ && sync && record bigpush_ours ours push -dir "$work/big" -prefix big/ours
}
bigpull() {
	rm -rf "$work/rawget" && mkdir -p "$work/rawget" && sync && record bigpull_raw rawget2
	rm -rf "$work/pull" && sync && record bigpull_ours ours pull -dir "$work/pull" -prefix big/ours
	cmp -s "$work/pull/d000/f000001.bin" "$big1" || { echo "pulled file differs" >&2; exit 1; }
}
for r in $(seq "$BIG_RUNS"); do
	log "push 2 x $BIG_MB MiB, run $r/$BIG_RUNS"
	if [ $((r % 2)) = 1 ]; then bigpush; else
		h rm -prefix big/ours/ && sync && record bigpush_ours ours push -dir "$work/big" -prefix big/ours
		h rm -prefix big/raw/ && sync && record bigpush_raw rawput2
	fi
done
for r in $(seq "$BIG_RUNS"); do
	log "pull 2 x $BIG_MB MiB, run $r/$BIG_RUNS"
	if [ $((r % 2)) = 1 ]; then bigpull; else
		rm -rf "$work/pull" && sync && record bigpull_ours ours pull -dir "$work/pull" -prefix big/ours
		rm -rf "$work/rawget" && mkdir -p "$work/rawget" && sync && record bigpull_raw rawget2
	fi
done
rm -rf "$work/rawget" "$work/pull" "$work/big"
h rm -prefix big/

# --- 100,000-file no-op: peak RSS and requests ------------------------------------------------------
rss_kb="-"
if [ "$RSS_N" -gt 0 ]; then
	log "generating and pushing $RSS_N tiny files (setup)"
	h gen -dir "$work/many" -n "$RSS_N" -size 64
	ours push -dir "$work/many" -prefix many
	for r in $(seq "$RUNS"); do
		log "no-op sync of $RSS_N files, run $r/$RUNS"
		stats >/dev/null
		if [ $have_time = 1 ]; then
			record noop100k_ours /usr/bin/time -o "$work/rss.$r" -f '%M' "$bin" push -endpoint "$E" -bucket bench -dir "$work/many" -prefix many
		else
			record noop100k_ours ours push -dir "$work/many" -prefix many
		fi
		stats >"$work/noop100k_requests.json"
		record noop100k_walk h walk -prefix many/
	done
	[ $have_time = 1 ] && rss_kb=$(cat "$work"/rss.* | sort -n | tail -1)
fi

# --- report --------------------------------------------------------------------------------------
count() { # FILE KIND -> number of requests of that kind (0 when none)
	tr '{},' '\n\n\n' <"$1" | awk -F: -v k="\"$2\"" '$1 == k { n = $2 } END { print n + 0 }'
}
others() { # FILE -> number of requests other than LIST
	tr '{},' '\n\n\n' <"$1" | awk -F: '$1 != "\"LIST\"" && NF == 2 { s += $2 } END { print s + 0 }'
}
pages() { echo $((($1 + 999) / 1000)); }
noop_list=$(count "$work/noop_requests.json" LIST)
noop_other=$(others "$work/noop_requests.json")
echo
echo "s3sync benchmark: loopback gofakes3, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), median of $RUNS runs ($BIG_RUNS for large files), ratios are medians of per-run ratios, tool order rotated every round"
echo "peers: $(aws --version 2>&1 | cut -d' ' -f1), $(rclone version 2>/dev/null | head -1)"
echo "requests in flight: s3sync $("$bin" defaults) (its defaults); raw baselines as s3sync"
row() { # label name suffix
	printf '%-34s %10s %10s %10s %8s %8s\n' "$1" "$(median "$2_ours")" "$(median "$2_aws_$3" || echo -)" "$(median "$2_rclone_$3" || echo -)" \
		"$(ratio "$2_ours" "$2_aws_$3")" "$(ratio "$2_ours" "$2_rclone_$3")"
}
table() { # suffix title
	echo
	echo "$2"
	printf '%-34s %10s %10s %10s %8s %8s\n' scenario s3sync aws rclone ours/aws ours/rc
	row "push $SMALL_N x 4 KiB (s)" push "$1"
	row "no-op re-sync of $SMALL_N (s)" noop "$1"
	row "100 changed of $SMALL_N (s)" changed "$1"
}
table m "matched concurrency (the verdict): aws max_concurrent_requests $conc; rclone --transfers $conc --checkers $conc"
table d "peer defaults: aws max_concurrent_requests 10; rclone --transfers 4 --checkers 8"
echo
echo "goals (matched concurrency):"
r_aws=$(ratio push_ours push_aws_m) r_rc=$(ratio push_ours push_rclone_m)
echo "goal push small <= 0.5x aws:            $r_aws  $(verdict "$r_aws" '<=' 0.5)"
echo "goal push small <= 1.0x rclone:         $r_rc  $(verdict "$r_rc" '<=' 1.0)"
echo "    (at the peers' defaults: ours/aws $(ratio push_ours push_aws_d), ours/rclone $(ratio push_ours push_rclone_d); no verdict)"
r=$(ratio noop_ours noop_walk)
echo "goal no-op <= 1.2x bare walk:           $r  ($(median noop_ours)s vs $(median noop_walk)s)  $(verdict "$r" '<=' 1.2)"
lim=$(($(pages "$SMALL_N") + 1))
echo "goal no-op requests <= $lim:             LIST $noop_list, other $noop_other  $(verdict $((noop_list + noop_other)) '<=' $lim)"
echo "    100-changed requests: $(cat "$work/changed_requests.json")"
r=$(ratio bigpush_raw bigpush_ours)
echo "goal push 2x$BIG_MB MiB >= 0.9x raw multipart:  $r  ($(median bigpush_ours)s vs raw $(median bigpush_raw)s)  $(verdict "$r" '>=' 0.9)"
r=$(ratio bigpull_raw bigpull_ours)
echo "goal pull 2x$BIG_MB MiB >= 0.9x raw ranged GET: $r  ($(median bigpull_ours)s vs raw $(median bigpull_raw)s)  $(verdict "$r" '>=' 0.9)"
if [ "$RSS_N" -gt 0 ]; then
	mib=$(awk -v k="$rss_kb" 'BEGIN { if (k == "-") print "-"; else printf "%.1f", k / 1024 }')
	echo "goal peak RSS no-op $RSS_N files <= 100 MiB: ${mib} MiB  $(verdict "$mib" '<=' 100)"
	r=$(ratio noop100k_ours noop100k_walk)
	l100=$(count "$work/noop100k_requests.json" LIST) o100=$(others "$work/noop100k_requests.json")
	echo "    no-op $RSS_N: $(median noop100k_ours)s vs bare walk $(median noop100k_walk)s = ${r}x; requests LIST $l100, other $o100 (limit $(($(pages "$RSS_N") + 1)))"
fi
