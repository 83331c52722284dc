#!/usr/bin/env bash
# CPU time each proxy spends per request (user and system, µs), from /proc during a wrk run: less
# sensitive than req/s to other load on the shared cores, and it shows where a gap comes from.
# Needs the peers and the router running (see run-bench.sh). Usage: bench/cpu-per-request.sh [duration=8s]
set -eu
duration=${1:-8s}
worker_of() { # the nginx worker whose master runs the given config
  for p in $(pgrep -f "nginx: worker"); do
    grep -q "$1" /proc/"$(awk '{print $4}' /proc/"$p"/stat)"/cmdline 2>/dev/null && echo "$p"
  done
}
measure() { # name port pid
  read -r u0 s0 < <(awk '{print $14, $15}' /proc/"$3"/stat)
  n=$(wrk -t1 -c32 -d"$duration" "http://127.0.0.1:$2/" | awk '/requests in/ {print $1}')
  read -r u1 s1 < <(awk '{print $14, $15}' /proc/"$3"/stat)
  hz=$(getconf CLK_TCK)
  awk -v n="$n" -v u=$((u1-u0)) -v s=$((s1-s0)) -v hz="$hz" -v name="$1" \
    'BEGIN {printf "%-8s %9d requests  user %5.2f us/req  sys %5.2f us/req  total %5.2f us/req\n", name, n, u*1e6/hz/n, s*1e6/hz/n, (u+s)*1e6/hz/n}'
}
router=$(cat /tmp/gantry-peers/router.pid)
loop=$(for t in /proc/"$router"/task/*; do [ "$(cat "$t"/comm)" = "gantry-router-1" ] && basename "$t"; done)
measure nginx 19002 "$(worker_of nginx-proxy.conf)"
measure haproxy 19003 "$(pgrep -x haproxy | head -1)"
measure gantry 19004 "$router"
echo "(gantry: whole JVM; its event loop thread alone:)"
measure gantry 19004 "$loop"
