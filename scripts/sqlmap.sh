#!/usr/bin/env bash
# SQL injection scan of every form and search of Wayfare with sqlmap (Debian's package), as a
# signed-in user (and as staff for the admin searches).
#
# By default it builds the release binary and starts it on a throwaway database (a fresh
# embedded PostgreSQL cluster in a temporary DATA_DIR), creates a staff user, signs in with
# curl (session cookie and CSRF cookie), creates a plan and an activity so the plan forms
# have targets, then runs sqlmap once per form in batch mode with bounded level, risk and
# time. sqlmap fetches a fresh CSRF token from the form's page before every request
# (--csrf-token / --csrf-url).
#
# Usage: scripts/sqlmap.sh              # level 2, risk 1, at most 10 minutes per form
#        LEVEL=3 RISK=2 scripts/sqlmap.sh
# Output: target/sqlmap/<date>/ (one log per form, sqlmap's own output, summary.txt).
# Exit status: 0 when no parameter is injectable, 1 when one is, 2 when the scan could not run.
#
# Everything stays on 127.0.0.1: the server, its database and sqlmap's traffic.
set -euo pipefail
cd "$(dirname "$0")/.."

LEVEL="${LEVEL:-2}"
RISK="${RISK:-1}"
PER_FORM_SECS="${PER_FORM_SECS:-600}"
PORT="${PORT:-18089}"
BASE="http://127.0.0.1:${PORT}"
PASSWORD="sqlmap scan password $(date +%s)"
OUT="target/sqlmap/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v sqlmap >/dev/null; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqlmap
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "sqlmap.sh: $tool is missing" >&2; exit 2; }
done

echo "== building the release binary"
cargo build --release --quiet
BIN="$PWD/target/release/wayfare"

DATA_DIR="$(mktemp -d /tmp/wayfare-sqlmap.XXXXXX)"
chmod 755 "$DATA_DIR"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  # The embedded cluster keeps running after the server: stop it, then drop everything.
  if [ -f "$DATA_DIR/postgres/postmaster.pid" ]; then
    ctl="$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)"
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- "$ctl" -D "$DATA_DIR/postgres" -m fast -w stop >/dev/null 2>&1 || true
    else
      "$ctl" -D "$DATA_DIR/postgres" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

# A server of its own, on a database of its own, with the daily limits out of the way (a
# scan sends thousands of logins and sign-ups).
export DATA_DIR PORT HOST=127.0.0.1 BCRYPT_COST=4 RUST_LOG=warn
export SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(64))')"
export LIMIT_LOGIN_FAILURES_PER_IP=10000000 LOGIN_FREE_FAILURES=10000000 LIMIT_PROFILE_UPDATES_PER_ACCOUNT=10000000
export LIMIT_SIGNUPS_PER_IP=10000000 LIMIT_MAILS_PER_ACCOUNT=10000000
export LIMIT_PLANS_PER_USER=10000000 LIMIT_ACTIVITIES_PER_USER=10000000
unset DATABASE_URL DATABASE_READ_URL REDIS_URL SMTP_URL GOOGLE_CLIENT_ID FACEBOOK_CLIENT_ID

echo "== starting the server on $BASE (DATA_DIR $DATA_DIR)"
"$BIN" migrate >"$OUT/server.log" 2>&1
printf '%s\n' "$PASSWORD" | "$BIN" create-staff --email scanner@example.com --username scanner >>"$OUT/server.log" 2>&1
"$BIN" serve >>"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$BASE/readyz" >/dev/null || { echo "the server did not start; see $OUT/server.log" >&2; exit 2; }

JAR="$OUT/cookies.txt"
token_of() { # the csrf_token of a page, with this jar's cookies
  curl -fsS -b "$JAR" -c "$JAR" "$BASE$1" | python3 -c \
    'import re,sys; m=re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", sys.stdin.read()); print(m.group(1) if m else "")'
}
post() { # path, then url-encoded fields
  local path="$1"; shift
  local token; token="$(token_of /password-reset)"
  local args=(--data-urlencode "csrf_token=$token")
  for field in "$@"; do args+=(--data-urlencode "$field"); done
  curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -b "$JAR" -c "$JAR" \
    -H "Origin: $BASE" "${args[@]}" "$BASE$path"
}

echo "== signing in with curl"
answer="$(post /login "login=scanner" "password=$PASSWORD")"
case "$answer" in 303*) ;; *) echo "login failed: $answer" >&2; exit 2 ;; esac
answer="$(post /plans "title=Scan target" "destination=Lisbon" "start_date=2026-07-01" \
  "end_date=2026-07-03" "budget=100" "currency=EUR" "status=draft")"
PLAN="$(sed -E 's|.*/plans/([0-9]+).*|\1|' <<<"$answer")"
[[ "$PLAN" =~ ^[0-9]+$ ]] || { echo "could not create a plan: $answer" >&2; exit 2; }
post "/plans/$PLAN/activities" "title=Scan stop" "scheduled_date=2026-07-01" "estimated_cost=5" >/dev/null
ACTIVITY="$(curl -fsS -b "$JAR" "$BASE/plans/$PLAN" | python3 -c \
  'import re,sys; m=re.search(r"id=\"activity-([0-9]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')"
[ -n "$ACTIVITY" ] || { echo "could not create an activity" >&2; exit 2; }
cookie_header() { # a curl cookie jar as a Cookie header (HttpOnly cookies are "#HttpOnly_" lines)
  awk '/^#HttpOnly_/ { sub(/^#HttpOnly_/, "") } /^#/ { next }
       NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$1"
}
COOKIE="$(cookie_header "$JAR")"
case "$COOKIE" in *wayfare_session=*csrftoken=*|*csrftoken=*wayfare_session=*) ;;
  *) echo "no session and CSRF cookies in $JAR" >&2; exit 2 ;; esac
# A visitor who is not signed in: only the CSRF cookie.
ANON_JAR="$OUT/anon-cookies.txt"
curl -fsS -c "$ANON_JAR" "$BASE/login" >/dev/null
ANON_COOKIE="$(cookie_header "$ANON_JAR")"
case "$ANON_COOKIE" in *csrftoken=*) ;; *) echo "no CSRF cookie in $ANON_JAR" >&2; exit 2 ;; esac

version_of() { # the current version field of an edit form
  curl -fsS -b "$JAR" "$BASE$1" | python3 -c \
    'import re,sys; m=re.search(r"name=\"version\" value=\"([^\"]*)\"", sys.stdin.read()); print(m.group(1) if m else "0")'
}

# name | who | method | path | data (for POST) | parameters to test | page with the form
TARGETS=(
  "login|anon|POST|/login|login=ana&password=x&next=/plans|login,password,next|/login"
  "signup|anon|POST|/signup|email=a@example.com&username=scanuser&first_name=A&last_name=B&password=p&password_confirm=p|email,username,first_name,last_name|/signup"
  "password-reset|anon|POST|/password-reset|email=a@example.com|email|/password-reset"
  "explore|anon|GET|/explore?q=lisbon&month=7&length=4-7&after=1.1||q,month,length,after|"
  "plans-list|user|GET|/plans?q=scan&status=draft&after=1.1||q,status,after|"
  "plan-create|user|POST|/plans|title=T&description=D&destination=L&start_date=2026-07-01&end_date=2026-07-02&budget=10&currency=EUR&status=draft|title,description,destination,start_date,end_date,budget,currency,status|/plans/new"
  "plan-edit|user|POST|/plans/$PLAN/edit|title=T&destination=L&start_date=2026-07-01&end_date=2026-07-02&budget=10&currency=EUR&status=draft&version=VERSION|title,destination,start_date,budget,currency,status,version|/plans/$PLAN/edit"
  "activity-create|user|POST|/plans/$PLAN/activities|title=A&activity_type=food&scheduled_date=2026-07-01&start_time=10:00&estimated_cost=5&latitude=38.7&longitude=-9.1&tags=a|title,activity_type,scheduled_date,start_time,estimated_cost,latitude,longitude,tags|/plans/$PLAN/activities/new"
  "activity-move|user|POST|/plans/$PLAN/activities/$ACTIVITY/move|direction=day&date=2026-07-02|direction,date|/plans/$PLAN"
  "activity-reorder|user|POST|/plans/$PLAN/activities/reorder|date=2026-07-01&ids=$ACTIVITY|date,ids|/plans/$PLAN"
  "details|user|POST|/plans/$PLAN/details|timezone=Europe/Lisbon&notes=N&group_size=2&accessibility_needs=x&check_in=2026-07-01&version=VERSION|timezone,notes,group_size,accessibility_needs,check_in|/plans/$PLAN/details"
  "raw-data|user|POST|/plans/$PLAN/data|plan_data={}&version=VERSION|plan_data,version|/plans/$PLAN/data"
  "account|user|POST|/account|email=scanner@example.com&username=scanner&first_name=S&last_name=C|username,first_name,last_name|/account"
  "admin-users|user|GET|/admin/users?q=scan&sort=email&staff=yes&after=a||q,sort,staff,after|"
  "admin-plans|user|GET|/admin/plans?q=scan&status=draft&after=1||q,status,after|"
)

echo "== scanning ${#TARGETS[@]} forms (level $LEVEL, risk $RISK, at most ${PER_FORM_SECS}s each)"
: >"$OUT/summary.txt"
found=0
inconclusive=0
for target in "${TARGETS[@]}"; do
  IFS='|' read -r name who method path data params form <<<"$target"
  if [ "$who" = anon ]; then cookie="$ANON_COOKIE"; else cookie="$COOKIE"; fi
  if [[ "$data" == *VERSION* ]]; then data="${data/VERSION/$(version_of "$form")}"; fi
  args=(
    -u "$BASE$path" --batch --flush-session --disable-coloring
    --level="$LEVEL" --risk="$RISK" --time-sec=2 --timeout=15 --retries=1
    --cookie="$cookie" --drop-set-cookie -p "$params" --skip-static
    --headers="Origin: $BASE"
    --output-dir="$OUT/sqlmap" --dbms=PostgreSQL -t "$OUT/$name.traffic"
  )
  if [ "$method" = POST ]; then
    # A fresh token before every request (sqlmap allows no threads with --csrf-url).
    args+=(--data="csrf_token=x&$data" --csrf-token=csrf_token --csrf-url="$BASE$form")
  else
    args+=(--threads=2)
  fi
  echo "-- $name: $method $path ($params)"
  set +e
  timeout "$PER_FORM_SECS" sqlmap "${args[@]}" >"$OUT/$name.log" 2>&1
  status=$?
  set -e
  # A scan whose requests were refused at the door (CSRF 403, or sent to the login page)
  # proves nothing: count what the handlers answered.
  total="$(grep -cE '^HTTP response \[' "$OUT/$name.traffic" 2>/dev/null || true)"
  refused="$(grep -cE '^HTTP response \[#[0-9]+\] \(403 ' "$OUT/$name.traffic" 2>/dev/null || true)"
  to_login="$(grep -ciE '^location: /login' "$OUT/$name.traffic" 2>/dev/null || true)"
  total="${total:-0}"; refused="${refused:-0}"; to_login="${to_login:-0}"
  if grep -qiE "Parameter: .* is vulnerable|sqlmap identified the following injection point" "$OUT/$name.log"; then
    verdict="INJECTABLE"
    found=1
  elif [ "$total" -eq 0 ] || [ $(( (refused + to_login) * 10 )) -gt "$total" ]; then
    verdict="inconclusive ($refused of $total HTTP exchanges refused by CSRF, $to_login sent to log in)"
    inconclusive=1
  elif grep -qi "do not appear to be injectable" "$OUT/$name.log"; then
    verdict="not injectable ($total HTTP exchanges, $refused refused)"
  elif [ "$status" -eq 124 ]; then
    verdict="stopped after ${PER_FORM_SECS}s, nothing found"
  else
    verdict="inconclusive (exit $status; see $name.log)"
    inconclusive=1
  fi
  echo "   $verdict"
  echo "$name: $method $path [$params] -> $verdict" >>"$OUT/summary.txt"
done

# The server must have survived the scan without a single 500.
errors="$(grep -c 'request failed' "$OUT/server.log" || true)"
curl -fsS "$BASE/readyz" >/dev/null && alive=yes || alive=no
{
  echo "server still ready after the scan: $alive"
  echo "request failures logged by the server: $errors"
} | tee -a "$OUT/summary.txt"
echo "== summary in $OUT/summary.txt"
cat "$OUT/summary.txt"
if [ "$found" -ne 0 ]; then exit 1; fi
if [ "$alive" != yes ] || [ "$inconclusive" -ne 0 ]; then exit 2; fi
exit 0
