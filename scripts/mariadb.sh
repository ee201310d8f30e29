#!/usr/bin/env bash
# Throwaway MariaDB servers for tests, each in a directory the caller owns.
#
#   mariadb.sh install      install mariadb-server and mariadb-client when missing (root on Debian)
#   mariadb.sh start DIR    initialise DIR on first use, start a server on 127.0.0.1 and write
#                           DIR/dsn (mode 600, go-sql-driver/mysql form) and DIR/port
#   mariadb.sh stop DIR     stop the server started in DIR (DIR is kept; a later start reuses it,
#                           including its port, so DSNs stay valid across a restart)
#
# The server is never the system service: its data, socket and pid file live in DIR. The password is
# random, written only to DIR/dsn and passed to the client on stdin, never on a command line.
set -euo pipefail

die() { echo "mariadb.sh: $*" >&2; exit 1; }

server_bin() { command -v mariadbd || command -v mysqld || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } || true; }

install() {
	if [ -n "$(server_bin)" ] && command -v mariadb-install-db >/dev/null && command -v mariadb >/dev/null; then
		return 0
	fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "mariadb.sh: installing mariadb-server and mariadb-client" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq mariadb-server mariadb-client >/dev/null
		return 0
	fi
	die "MariaDB is missing: install it with 'sudo apt-get install -y mariadb-server mariadb-client' (or set TEST_MYSQL_DSN to a server tests may use)"
}

free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

client() { mariadb --no-defaults --protocol=socket --socket="$1/sock" -uroot; }

# launch starts the server in DIR and returns once it answers, or 1 when it exited.
launch() {
	local dir=$1 bin=$2 user=$3 pid
	"$bin" --no-defaults --user="$user" --datadir="$dir/data" --socket="$dir/sock" \
		--pid-file="$dir/pid" --log-error="$dir/error.log" --tmpdir="$dir/tmp" --bind-address=127.0.0.1 \
		--port="$(cat "$dir/port")" --skip-name-resolve --skip-log-bin --max-connections=1000 \
		--innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
		--character-set-server=utf8mb4 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do
		if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	return 1
}

start() {
	local dir=$1 bin user port
	bin=$(server_bin)
	[ -n "$bin" ] || die "mariadbd not found; run: $0 install"
	user=$(id -un)
	# Each server gets its own tmpdir: concurrent bootstraps sharing /tmp have collided on temporary
	# table files.
	mkdir -p "$dir/tmp"
	if [ ! -d "$dir/data/mysql" ]; then
		rm -rf "$dir/data"
		mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" --tmpdir="$dir/tmp" \
			--auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
			{ cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
	fi
	local fresh_port=
	if [ ! -f "$dir/port" ]; then
		free_port >"$dir/port"
		fresh_port=1
	fi
	# A fresh port may be taken between the check and the bind by a concurrent start: then pick
	# another. A restart keeps its port, so the DSN stays valid.
	for _ in 1 2 3; do
		launch "$dir" "$bin" "$user" && break
		if [ -n "$fresh_port" ] && grep -q "Bind on TCP/IP port" "$dir/error.log" 2>/dev/null; then
			free_port >"$dir/port"
			continue
		fi
		tail -20 "$dir/error.log" >&2
		die "server in $dir did not start"
	done
	mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1 || die "server in $dir did not start"
	port=$(cat "$dir/port")
	if [ ! -f "$dir/dsn" ]; then
		local pass
		pass=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
		client "$dir" <<SQL
CREATE USER 'portalkit'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON *.* TO 'portalkit'@'127.0.0.1' WITH GRANT OPTION;
SQL
		(umask 077 && echo "portalkit:$pass@tcp(127.0.0.1:$port)/?parseTime=true" >"$dir/dsn")
	fi
}

stop() {
	local dir=$1 pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
install) install ;;
start) [ -n "${2:-}" ] || die "usage: $0 start DIR"; start "$2" ;;
stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop "$2" ;;
*) die "usage: $0 install | start DIR | stop DIR" ;;
esac
