# Sourced by integration tests: a throwaway PostgreSQL 15 server of our own.
#   pg_start DIR   initdb + pg_ctl start as user postgres, Unix socket in DIR,
#                  no TCP at all; sets PG_URL (database "smbwatch"). Returns
#                  non-zero with PG_WHY set when it cannot start.
#   pg_stop        stop it (immediate) and forget it
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
pg_start() {
	PG_DIR=$1
	PG_WHY=""
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		PG_WHY="no $PG_BIN/initdb (Debian package postgresql)"
		return 1
	fi
	if ! id postgres >/dev/null 2>&1; then
		PG_WHY="no 'postgres' user"
		return 1
	fi
	mkdir -p "$PG_DIR" && chown postgres "$PG_DIR" && chmod 700 "$PG_DIR"
	if ! runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
		>"$PG_DIR/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -n 3 "$PG_DIR/initdb.log" | tr '\n' ' ')"
		return 1
	fi
	if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 30 \
		-o "-c listen_addresses='' -k $PG_DIR -c fsync=on" -l "$PG_DIR/server.log" start \
		>/dev/null 2>&1; then
		PG_WHY="pg_ctl start failed: $(tail -n 3 "$PG_DIR/server.log" | tr '\n' ' ')"
		return 1
	fi
	if ! runuser -u postgres -- "$PG_BIN/createdb" -h "$PG_DIR" smbwatch 2>"$PG_DIR/createdb.log"; then
		PG_WHY="createdb failed: $(cat "$PG_DIR/createdb.log")"
		pg_stop
		return 1
	fi
	PG_URL="postgresql://postgres@/smbwatch?host=$PG_DIR"
	return 0
}
pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] &&
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
	PG_DIR=""
}
