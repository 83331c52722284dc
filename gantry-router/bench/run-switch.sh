#!/usr/bin/env bash
# Failed requests while the stable version flips 20 times under load: RouterMain on :19007 routes to
# v1 (the peers' backend, :19001) or v2 (bench/backend-v2.conf, :19011); wrk runs across the switches.
# Needs the peers running and the module built (see start-router.sh). Usage: bench/run-switch.sh [connections=32]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
conns=${1:-32}
nginx -c "$here/bench/backend-v2.conf" & v2pid=$!
"$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -XX:+UseSerialGC -Xms512m -Xmx512m -XX:MaxTenuringThreshold=1 -Dio.netty.leakDetection.level=disabled \
  -Dgantry.router.v2=127.0.0.1:19011 -Dgantry.router.switchDelayMs=4000 -Dgantry.router.switches=20 \
  -Dgantry.router.switchIntervalMs=250 \
  -cp "$here/target/classes:$(cat "$here/target/cp.txt")" dev.gantry.router.RouterMain 19007 127.0.0.1:19001 \
  > /tmp/gantry-peers/switch-router.log 2>&1 & rpid=$!
trap 'kill $rpid $v2pid 2>/dev/null || true' EXIT
sleep 1.5
# 12 s of load: about 4 s before the first switch, 5 s of switching (every 250 ms), 3 s after.
wrk -t1 -c"$conns" -d12s --latency http://127.0.0.1:19007/ | tee /tmp/gantry-peers/switch-wrk.txt
kill $rpid; wait $rpid 2>/dev/null || true
grep -E "^switch (1|20):|^v[12] " /tmp/gantry-peers/switch-router.log
awk '/requests in/ {n=$1} /Socket errors/ {e=$4+$6+$8+$10} /Non-2xx/ {x=$5}
  END {printf "wrk: %d requests, %d failed (socket errors %d, non-2xx %d)\n", n, e+x, e, x}' /tmp/gantry-peers/switch-wrk.txt
