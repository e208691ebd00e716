#!/usr/bin/env bash
# Throughput and latency of full chat turns versus /healthz, on one server, same run.
#   bench/load.sh            (SQLite in a temp data dir)
#   CANDOR_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/load.sh
#   CANDOR_DATABASE_URL=… INSTANCES=2 bench/load.sh   (two servers on one PostgreSQL; one wrk each)
# Needs wrk (apt-get install wrk). Runs the release binary with the rate limit off.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
INSTANCES=${INSTANCES:-1}
# CANDOR_BIN=path runs another build (to compare two commits on the same machine, alternating).
# CLIENT_IDS=0 sends turns without the widget's client_id (builds before 2026-12-03 refuse it).
BIN=${CANDOR_BIN:-./target/release/candor}
[ -n "${CANDOR_BIN:-}" ] || cargo build --release --quiet
DATA=$(mktemp -d)
SERVERS=()
trap 'kill "${SERVERS[@]}" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for i in $(seq 0 $((INSTANCES - 1))); do
  mkdir -p "$DATA/$i"
  "$BIN" serve --bind 127.0.0.1:$((PORT + i)) --data-dir "$DATA/$i" --rate-limit 0 >"$DATA/server-$i.log" 2>&1 &
  SERVERS+=($!)
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$((PORT + i))/healthz >/dev/null && break; sleep 0.2; done
  # With the embedding model: wait until the help centre is embedded.
  for _ in $(seq 600); do curl -sf http://127.0.0.1:$((PORT + i))/readyz | grep -q '"embedding":"warming"' || break; sleep 0.2; done
done

# One conversation per connection, so turns of different visitors run concurrently.
LUA="$DATA/turns.lua"
{
  echo "local convs = {"
  for i in $(seq "$CONNECTIONS"); do
    lang=$([ $((i % 2)) -eq 0 ] && echo fr || echo en)
    curl -s -XPOST http://127.0.0.1:$PORT/api/v1/conversations -H 'content-type: application/json' \
      -d "{\"locale\":\"$lang\"}" | python3 -c 'import json,sys; c=json.load(sys.stdin); print("{%r,%r,%r}," % (c["id"], c["token"], c["locale"]))'
  done
  cat <<'LUA'
}
local questions = {
  fr = {"Combien de temps prend la livraison ?", "Comment retourner un article ?", "Quel temps fera-t-il demain ?", "Acceptez-vous PayPal ?"},
  en = {"How long does delivery take?", "How do I return an item?", "What's the weather tomorrow?", "Do you accept PayPal?"},
}
local n = 0
local run = math.floor(os.time())
local keyed = os.getenv("CLIENT_IDS") ~= "0"
request = function()
  n = n + 1
  local c = convs[(n % #convs) + 1]
  local q = questions[c[3]][(n % 4) + 1]
  -- As the widget sends it: each message under its own client_id (CLIENT_IDS=0: without).
  local body = '{"text":"' .. q .. '"' .. (keyed and string.format(',"client_id":"w%d-%d"', run, n) or "") .. '}'
  return wrk.format("POST", "/api/v1/conversations/" .. c[1] .. "/messages",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. c[2]}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
LUA
} >"$LUA"
cat >"$DATA/health.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
LUA
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "backend: $([ -n "${CANDOR_DATABASE_URL:-}" ] && echo postgres || echo sqlite), $INSTANCES instance(s), $CONNECTIONS connections per wrk, $DURATION"
echo "healthz:    $(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$DATA/health.lua" http://127.0.0.1:$PORT/healthz | grep RESULT)"
if [ "$INSTANCES" -eq 1 ]; then
  echo "chat turns: $(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$LUA" http://127.0.0.1:$PORT | grep RESULT)"
else
  # Conversations live in PostgreSQL, so every instance serves all of them.
  LOADS=()
  for i in $(seq 0 $((INSTANCES - 1))); do
    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$LUA" http://127.0.0.1:$((PORT + i)) | grep RESULT | sed "s/^/instance $i: /" &
    LOADS+=($!)
  done
  wait "${LOADS[@]}"
fi
