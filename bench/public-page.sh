#!/usr/bin/env bash
# The public transparency page under load, on a month of kept conversations (SQLite):
#   bench/public-page.sh                      (30,000 conversations, 300,000 messages)
#   N=5000 CANDOR_BIN=/tmp/candor-old bench/public-page.sh
#   PAGE=/metrics bench/public-page.sh         (Prometheus' scrape: the 30-day equity gauges)
# Needs wrk (apt-get install wrk) and python3. Runs the release binary with the rate limit off.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30000}
PORT=${PORT:-18090}
PAGE=${PAGE:-/transparency?lang=en}
BIN=${CANDOR_BIN:-./target/release/candor}
[ -n "${CANDOR_BIN:-}" ] || cargo build --release --quiet
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
start() {
  "$BIN" serve --bind 127.0.0.1:$PORT --data-dir "$DATA" --rate-limit 0 >>"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
}
start   # creates and migrates the database
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
python3 bench/fill_conversations.py "$DATA" "$N"
start
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "one request alone: $(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT$PAGE") s"
wrk -t1 -c8 -d15s --latency "http://127.0.0.1:$PORT$PAGE" | grep -E "Requests/sec|50%|99%|timeout|Non-2xx"
