#!/usr/bin/env bash
# Side-by-side load on the direct backend, nginx, HAProxy and Gantry's router, alternating targets
# within each round so they share the machine's conditions; prints one line per run and a median table.
#
# Needs: the peers running (/work/shared/bench/peers/run-peers) and the router running, e.g.
#   bench/start-router.sh            # RouterMain on 127.0.0.1:19004 → 127.0.0.1:19001, one event loop
# Usage: bench/run-bench.sh [rounds=3] [duration=10s] [connections=32]
set -eu
rounds=${1:-3}
duration=${2:-10s}
conns=${3:-32}
declare -A url=([direct]=http://127.0.0.1:19001/ [nginx]=http://127.0.0.1:19002/ [haproxy]=http://127.0.0.1:19003/ [gantry]=http://127.0.0.1:19004/)
order=(direct nginx haproxy gantry)
out=$(mktemp -d)
# Warm-up: the JIT compiles the router's hot path (results discarded); on two shared cores C2
# needs well over ten seconds of load to finish.
wrk -t1 -c"$conns" -d20s "${url[gantry]}" >/dev/null
# Share of the machine idle over 2 s, before a round: other people's builds on the shared cores show here.
idle_pct() {
  read -r _ a b c d e f g h _ < /proc/stat; t0=$((a+b+c+d+e+f+g+h)); i0=$((d+e))
  sleep 2
  read -r _ a b c d e f g h _ < /proc/stat; t1=$((a+b+c+d+e+f+g+h)); i1=$((d+e))
  echo $(( 100 * (i1-i0) / (t1-t0) ))
}
for r in $(seq 1 "$rounds"); do
  echo "round $r: machine idle before it: $(idle_pct)%"
  for t in "${order[@]}"; do
    wrk -t1 -c"$conns" -d"$duration" --latency "${url[$t]}" > "$out/$t.$r"
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/$t.$r")
    p50=$(awk '$1=="50%" {print $2}' "$out/$t.$r")
    p99=$(awk '$1=="99%" {print $2}' "$out/$t.$r")
    err=$(awk '/Socket errors/ {e=$4+$6+$8+$10} /Non-2xx/ {n=$5} END {print (e+0)+(n+0)}' "$out/$t.$r")
    printf 'round %s %-8s %10s req/s  p50 %-9s p99 %-9s errors %s\n' "$r" "$t" "$rps" "$p50" "$p99" "$err"
  done
done
echo
echo "median of $rounds rounds (wrk -t1 -c$conns -d$duration --latency):"
printf '%-8s %12s %10s %10s %8s\n' target req/s p50_ms p99_ms errors
for t in "${order[@]}"; do
  for r in $(seq 1 "$rounds"); do
    awk -v OFS=' ' '
      function ms(v) { if (v ~ /us$/) return substr(v,1,length(v)-2)/1000; if (v ~ /ms$/) return substr(v,1,length(v)-2)+0; if (v ~ /s$/) return substr(v,1,length(v)-1)*1000; return v }
      /Requests\/sec/ {rps=$2} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
      /Socket errors/ {e=$4+$6+$8+$10} /Non-2xx/ {n=$5}
      END {print rps, p50, p99, (e+0)+(n+0)}' "$out/$t.$r"
  done | sort -n -k1 | awk -v t="$t" -v n="$rounds" '{a[NR]=$0} END {split(a[int((n+1)/2)], m, " "); printf "%-8s %12.0f %10.3f %10.3f %8d\n", t, m[1], m[2], m[3], m[4]}'
done
rm -rf "$out"
