#!/usr/bin/env bash
# The benchmark: seeds databases, starts the release build, loads it with wrk, and writes
# docs/PERFORMANCE.md. Not a test: run it by hand on an otherwise idle machine.
#   bench/run.sh            full size: 10,000 users, 100,000 plans, 1,000,000 activities
#   USERS=1000 bench/run.sh a quicker run
# Needs: wrk, psql, the PostgreSQL server package (the embedded cluster) or BENCH_ADMIN_URL
# (a superuser URL of a server to create the benchmark databases on).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-10000}
PLANS_PER_USER=${PLANS_PER_USER:-10}
ACTIVITIES_PER_PLAN=${ACTIVITIES_PER_PLAN:-10}
SIGNED_IN=${SIGNED_IN:-100}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18080}
OUT=docs/PERFORMANCE.md
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
BIN=target/release/wayfare

# The embedded cluster unless told otherwise; its superuser creates the databases.
if [ -z "${BENCH_ADMIN_URL:-}" ]; then
  DATABASE_URL= $BIN migrate --status >/dev/null
  PGPORT=$(awk -F' = ' '/^port = /{p=$2} END{print p}' .data/postgres/postgresql.conf)
  BENCH_ADMIN_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  # Its roles' passwords, for psql and for the wayfare binary alike (both use libpq).
  export PGPASSFILE="$PWD/.data/pgpass"
fi
admin() { psql -X -q -At -v ON_ERROR_STOP=1 "$BENCH_ADMIN_URL" -c "$1"; }
db_url() { local u; u=${BENCH_ADMIN_URL%/*}; u=${u/postgres@/wayfare@}; echo "$u/$1"; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$(db_url "$1")" -c "SET app.staff = 'on'; $2" | tail -n +1; }

fresh_db() {
  admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
  admin "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'wayfare') THEN CREATE ROLE wayfare LOGIN; END IF; END \$\$"
  admin "CREATE DATABASE $1 OWNER wayfare"
}

seed() { # database users seed
  echo "== seeding $1: $2 users × $PLANS_PER_USER plans × $ACTIVITIES_PER_PLAN activities"
  local started=$SECONDS
  DATABASE_URL=$(db_url "$1") BCRYPT_COST=12 $BIN seed --users "$2" --plans-per-user "$PLANS_PER_USER" \
    --activities-per-plan "$ACTIVITIES_PER_PLAN" --seed "$3" | tail -1
  echo "seed_seconds_$1=$((SECONDS - started))" >> "$WORK/facts"
  # Each signed-in benchmark user's first plan gets 20 activities.
  sql "$1" "INSERT INTO plan_activities (plan_id, title, activity_type, scheduled_date, start_time, estimated_cost, order_index)
    SELECT p.id, 'Extra stop ' || g, 'attraction', p.start_date, '15:00', 12.50, 100 + g
    FROM (SELECT DISTINCT ON (user_id) id, start_date FROM plans
          WHERE user_id IN (SELECT id FROM users WHERE username ~ '^s$3u[0-9]+$' ORDER BY id LIMIT $SIGNED_IN)
          ORDER BY user_id, id) p, generate_series(1, 20 - $ACTIVITIES_PER_PLAN) g" >/dev/null
  sql "$1" "ANALYZE users, user_sessions, plans, plan_activities" >/dev/null
}

start_server() { # database
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  DATABASE_URL=$(db_url "$1") PORT=$PORT BCRYPT_COST=12 RUST_LOG=warn DATABASE_POOL_SIZE=${POOL:-16} \
    SECRET_KEY=$(printf 'b%.0s' {1..64}) LIMIT_LOGIN_FAILURES_PER_IP=100000000 \
    LOGIN_FREE_FAILURES=100000000 $BIN serve >"$WORK/server-$1.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start"; cat "$WORK/server-$1.log"; exit 1
}

# Logs in the first $SIGNED_IN seeded travellers (user 0 is staff, with a password of its
# own); writes their cookies and their plan paths.
sign_in() { # database seed
  : > "$WORK/cookies"; : > "$WORK/plan_paths"; : > "$WORK/list_paths"
  for i in $(seq 1 "$SIGNED_IN"); do
    local jar="$WORK/jar"; rm -f "$jar"
    local token
    token=$(curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
    curl -s -c "$jar" -b "$jar" -o /dev/null -H "Origin: http://127.0.0.1:$PORT" \
      --data-urlencode "csrf_token=$token" --data-urlencode "login=s$2u$i" --data-urlencode "password=wayfare seed password" \
      "http://127.0.0.1:$PORT/login"
    awk '$6=="wayfare_session"||$6=="csrftoken"{printf "%s=%s; ", $6, $7} END{print ""}' "$jar" >> "$WORK/cookies"
    echo "/plans/$(sql "$1" "SELECT min(id) FROM plans WHERE user_id = (SELECT id FROM users WHERE username = 's$2u$i')")" >> "$WORK/plan_paths"
    echo "/plans" >> "$WORK/list_paths"
  done
}

sample_memory() { # → max RSS in MiB while the given pid runs
  local max=0
  while kill -0 "$1" 2>/dev/null; do
    local rss; rss=$(ps -o rss= -p "$SERVER" 2>/dev/null | tr -d ' ' || echo 0)
    [ -n "$rss" ] && [ "$rss" -gt "$max" ] && max=$rss
    sleep 0.2
  done
  echo $((max / 1024))
}

load() { # name, then wrk arguments
  local name=$1; shift
  echo "== $name"
  # A short unmeasured run first: the pool's connections and their prepared statements warm up.
  [ "${WARM:-1}" = 1 ] && wrk -t2 -c"$CONNECTIONS" -d3s "$@" >/dev/null
  # Queued logins wait for bcrypt longer than wrk's default 2 s timeout.
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency "$@" > "$WORK/wrk-$name" &
  local pid=$!
  local mem; mem=$(sample_memory $pid)
  wait $pid
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/{print $2}' "$WORK/wrk-$name")
  p50=$(awk '$1=="50%"{print $2}' "$WORK/wrk-$name")
  p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk-$name")
  errors=$(awk '/Non-2xx or 3xx/{print $5}' "$WORK/wrk-$name")
  echo "| $name | $rps | $p50 | $p99 | ${errors:-0} | $mem |" | tee -a "$WORK/table"
}

URL="http://127.0.0.1:$PORT"
: > "$WORK/table"; : > "$WORK/facts"

# The machine's own yardstick: how many one-row primary-key SELECTs PostgreSQL answers per
# second over loopback (pgbench -S). Every page costs several such round trips.
fresh_db wayfare_bench_pgbench
pgbench -q -i -s 10 "$(db_url wayfare_bench_pgbench)" >/dev/null 2>&1
PGBENCH_TPS=$(pgbench -S -M prepared -c 16 -j 2 -T 10 "$(db_url wayfare_bench_pgbench)" 2>/dev/null |
  awk '/^tps/{printf "%d", $3}')
admin "DROP DATABASE wayfare_bench_pgbench WITH (FORCE)"
echo "== pgbench -S: $PGBENCH_TPS transactions/s"

fresh_db wayfare_bench_small
seed wayfare_bench_small $((1000 / PLANS_PER_USER)) 2
start_server wayfare_bench_small
sign_in wayfare_bench_small 2
load "plans list, 1,000 plans in the database" -s bench/cookies.lua "$URL/plans" -- "$WORK/cookies" "$WORK/list_paths"

if [ "${REUSE:-}" = 1 ] && [ "$(sql wayfare_bench "SELECT count(*) FROM users" 2>/dev/null)" = "$USERS" ]; then
  echo "== reusing the seeded wayfare_bench"
else
  fresh_db wayfare_bench
  seed wayfare_bench "$USERS" 1
fi
start_server wayfare_bench
sign_in wayfare_bench 1
sql wayfare_bench "SELECT '/s/' || share_token FROM plans WHERE share_token IS NOT NULL LIMIT 1000" > "$WORK/share_paths"
load "plans list, $((USERS * PLANS_PER_USER)) plans in the database" -s bench/cookies.lua "$URL/plans" -- "$WORK/cookies" "$WORK/list_paths"
load "plan page, 20 activities" -s bench/cookies.lua "$URL/plans" -- "$WORK/cookies" "$WORK/plan_paths"
load "share page" -s bench/paths.lua "$URL/" -- "$WORK/share_paths"
load "explore" "$URL/explore"
LOGIN_JAR="$WORK/login-jar"
LOGIN_TOKEN=$(curl -s -c "$LOGIN_JAR" "$URL/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
LOGIN_COOKIE=$(awk '$6=="csrftoken"{printf "%s=%s", $6, $7}' "$LOGIN_JAR")
WARM=0 CONNECTIONS=50 load "login, wrong passwords" -s bench/login.lua "$URL/login" -- "$LOGIN_COOKIE" "$LOGIN_TOKEN"
# The plan page while 50 connections hammer login.
wrk -t1 -c50 -d"$DURATION" -s bench/login.lua "$URL/login" -- "$LOGIN_COOKIE" "$LOGIN_TOKEN" > "$WORK/wrk-flood" &
FLOOD=$!
sleep 1
load "plan page during a login flood" -s bench/cookies.lua "$URL/plans" -- "$WORK/cookies" "$WORK/plan_paths"
wait $FLOOD

{
  echo "# Performance"
  echo
  echo "Measured by \`bench/run.sh\` (USERS=$USERS, $PLANS_PER_USER plans per user, $ACTIVITIES_PER_PLAN activities"
  echo "per plan, $SIGNED_IN signed-in users, wrk -t2 -c$CONNECTIONS -d$DURATION; the login runs use 50 connections)"
  echo "on $(date -u +%Y-%m-%d): $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr),"
  echo "PostgreSQL $(psql -X -At "$BENCH_ADMIN_URL" -c 'SHOW server_version'), the release build, BCRYPT_COST=12,"
  echo "server, database and wrk on the same machine. On this machine \`pgbench -S -M prepared -c 16\`"
  echo "(one-row SELECTs by primary key over loopback) managed $PGBENCH_TPS transactions/s."
  echo
  grep '^seed_seconds' "$WORK/facts" | sed 's/seed_seconds_\(.*\)=\(.*\)/- seeding \1 took \2 s/'
  echo
  echo "| load | requests/s | p50 | p99 | non-2xx/3xx | server RSS (MiB) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  cat "$WORK/table"
  echo
  if [ -f docs/PERFORMANCE.notes.md ]; then cat docs/PERFORMANCE.notes.md; fi
} > "$OUT"
echo "wrote $OUT"
