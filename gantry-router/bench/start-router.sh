#!/usr/bin/env bash
# Starts RouterMain (one event loop) on 127.0.0.1:19004 in front of the peers' backend on :19001 and
# prints its PID. Stop it with: kill $(cat /tmp/gantry-peers/router.pid)
# Needs a built module: ./mvnw -q -pl gantry-router -am install -DskipTests
#   and its classpath:  ./mvnw -q -pl gantry-router dependency:build-classpath -Dmdep.outputFile=target/cp.txt
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
mkdir -p /tmp/gantry-peers
if curl -fsS -o /dev/null http://127.0.0.1:19004/ 2>/dev/null; then
  echo "127.0.0.1:19004 is already taken (a router still running?)" >&2
  exit 1
fi
# --sun-misc-unsafe-memory-access=allow: on JDK 24+ Netty 4.2 otherwise reads buffers through
# ByteBuffer accessors instead of Unsafe (see BENCHMARK-RESULTS.md for what that costs).
# SerialGC with a fixed 512 MiB heap: the router keeps almost nothing live, so young collections
# are short (about 0.4 ms once MaxTenuringThreshold=1 stops the long-lived pool and allocator
# structures from being copied between survivor spaces at every collection; 6 ms without), and on
# two shared cores a GC that runs on the one busy thread competes least.
# io.netty.leakDetection.level=disabled: Netty's default leak sampling wraps every buffer and records
# a stack trace for one in 128; it cost about 9 % of the event loop's CPU (see BENCHMARK-RESULTS.md).
"$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  ${JVM_OPTS:--XX:+UseSerialGC -Xms512m -Xmx512m -XX:MaxTenuringThreshold=1 -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled} \
  -Dgantry.router.threads=1 \
  -cp "$here/target/classes:$(cat "$here/target/cp.txt")" dev.gantry.router.RouterMain 19004 127.0.0.1:19001 \
  > /tmp/gantry-peers/router.log 2>&1 &
echo $! > /tmp/gantry-peers/router.pid
for _ in $(seq 1 50); do
  if ! kill -0 "$(cat /tmp/gantry-peers/router.pid)" 2>/dev/null; then break; fi
  if curl -fsS http://127.0.0.1:19004/ >/dev/null 2>&1; then echo "up: 127.0.0.1:19004 (pid $(cat /tmp/gantry-peers/router.pid))"; exit 0; fi
  sleep 0.1
done
echo "router did not come up; see /tmp/gantry-peers/router.log" >&2
exit 1
