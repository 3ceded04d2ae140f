#!/usr/bin/env bash
# Side by side, on one database and one machine: the project's signed-in plan page and public
# share page, the anchor app's plan page (the least code serving a plan page on the same stack)
# and a Django peer's, in alternating wrk rounds. Prints req/s, p50, p99 per round and the ratios.
# usage (from the project's root): bench/side_by_side_members.sh [USERS=1000] [ROUNDS=2]
# This copy of ../shared/bench/side_by_side.sh differs in one step: after seeding it runs
# bench/collaboration.sql (ten members and a thousand changes on every plan).
# needs: a PostgreSQL server at ADMIN_URL (superuser), wrk, python3 with requests; installs
# Django and gunicorn with pip when missing. Builds the anchor app under $TMPDIR.
set -u
here=$(cd "$(dirname "$0")/../../shared/bench" && pwd)
own=$(cd "$(dirname "$0")" && pwd)
USERS=${1:-1000} ROUNDS=${2:-2}
PROJECT=${PROJECT:-$PWD}
ADMIN=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
DB=bench_sbs
TMP=${TMPDIR:-/tmp}/wayfare-side-by-side
mkdir -p "$TMP"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

(cd "$PROJECT" && cargo build --release -q) || { echo "project build failed"; exit 1; }
(cd "$here/anchor_app" && CARGO_TARGET_DIR="$TMP/anchor-target" cargo build --release -q 2>/dev/null) || { echo "anchor build failed"; exit 1; }
python3 -c "import django, gunicorn, psycopg" 2>/dev/null || pip install -q "django>=5,<6" gunicorn "psycopg[binary]" >/dev/null 2>&1

psql -X -q "$ADMIN/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
  -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='bench_app') THEN CREATE ROLE bench_app LOGIN; END IF; END \$\$" \
  -c "CREATE DATABASE $DB OWNER bench_app" >/dev/null || { echo "cannot create $DB at $ADMIN"; exit 1; }
APPDB="postgres://bench_app@127.0.0.1:5432/$DB"
DATABASE_URL=$APPDB "$PROJECT/target/release/wayfare" migrate >"$TMP/migrate.log" 2>&1 || { echo "project migrate failed: $(tail -1 "$TMP/migrate.log")"; exit 1; }
psql -X -q "$ADMIN/$DB" -v users="$USERS" -f "$here/seed_bench.sql" >/dev/null || { echo "seeding failed"; exit 1; }
psql -X -q "$ADMIN/$DB" -f "$own/collaboration.sql" >/dev/null || { echo "collaboration data failed"; exit 1; }
psql -X -At "$ADMIN/$DB" -c "select '/s/' || share_token from plans where share_token is not null order by id limit 2000" >"$TMP/share-paths.txt"

export SECRET_KEY=$(head -c 64 /dev/urandom | base64 -w0)
DATABASE_URL=$APPDB HOST=127.0.0.1 PORT=8087 PUBLIC_URL=http://127.0.0.1:8087 BCRYPT_COST=4 RUST_LOG=warn \
  "$PROJECT/target/release/wayfare" serve >"$TMP/project.log" 2>&1 & pids+=($!)
DATABASE_URL="$ADMIN/$DB" PORT=8088 "$TMP/anchor-target/release/anchor_app" >"$TMP/anchor.log" 2>&1 & pids+=($!)
DATABASE_URL="$ADMIN/$DB" gunicorn -w 5 -b 127.0.0.1:8089 --chdir "$here/django_peer" peer:application >"$TMP/django.log" 2>&1 & pids+=($!)
for port in 8087 8088 8089; do
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done
python3 "$here/login_all.py" http://127.0.0.1:8087 "$USERS" >"$TMP/tokens.txt" || { echo "logging in through the project failed"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $(head -1 "$TMP/tokens.txt")" http://127.0.0.1:8087/plans/1)
[ "$code" = 200 ] || { echo "project /plans/1 with user 1's cookie answered $code"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8087$(head -1 "$TMP/share-paths.txt")")
[ "$code" = 200 ] || { echo "project share page answered $code"; exit 1; }

run() { # name port [TOKENS_FILE] [PATHS_FILE]
  TOKENS_FILE=${3:-} PATHS_FILE=${4:-} USERS=$USERS wrk -t1 -c32 -d8s -s "$here/plan_page.lua" --latency "http://127.0.0.1:$2" 2>/dev/null |
    awk -v n="$1" '/Requests\/sec/{r=$2} / 50%/{a=$2} / 99%/{b=$2} /Non-2xx/{x=$4} END{printf "%s %.0f p50=%s p99=%s non2xx=%s\n", n, r, a, b, x+0}'
}
for i in $(seq "$ROUNDS"); do
  run project 8087 "$TMP/tokens.txt"
  run anchor 8088
  run share 8087 "" "$TMP/share-paths.txt"
  run django 8089
done | tee "$TMP/results.txt"
awk '{s[$1]+=$2; c[$1]++} END{p=s["project"]/c["project"]; a=s["anchor"]/c["anchor"]; h=s["share"]/c["share"]; d=s["django"]/c["django"];
  printf "plan/anchor = %.2f  share/anchor = %.2f  plan/django = %.1f  (mean req/s: plan %.0f, share %.0f, anchor %.0f, django %.0f)\n", p/a, h/a, p/d, p, h, a, d}' "$TMP/results.txt"
