# Sourced by ./mvnw and ./gantry: makes JAVA_HOME point at a JDK 21 or newer.
# Order: JAVA_HOME if it is 21+, then the newest 21+ JDK under /usr/lib/jvm.
# Fails with one sentence when there is none.
gantry_java_major() {
  # prints the feature version of the java binary given, or nothing; reads the JDK's release file when
  # there is one (starting a JVM just to ask costs a tenth of a second on every command)
  rel="$(dirname "$(dirname "$1")")/release"
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -n 1
  else
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
  fi
}
gantry_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(gantry_java_major "$JAVA_HOME/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then return 0; fi
  fi
  best=""; bestv=0
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(gantry_java_major "$d/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "gantry: no JDK 21 or newer found (JAVA_HOME is '${JAVA_HOME:-unset}', nothing suitable in /usr/lib/jvm); install one or set JAVA_HOME to it" >&2
    return 1
  fi
  JAVA_HOME=$best
  export JAVA_HOME
}
