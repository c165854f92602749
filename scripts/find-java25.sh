# Sourced by ./mvn25 and scripts/*: sets JAVA_HOME to a Java 25 (or newer) JDK, or exits with a message.
# Order: $JAVA_HOME, then the JDKs under /usr/lib/jvm (and /usr/java, /opt/java), then `java` on the PATH.
java_feature() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}

pick() { # succeeds when $1 is a JDK home with javac and java >= 25
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  v=$(java_feature "$1/bin/java")
  [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null
}

found=""
if [ -n "${JAVA_HOME:-}" ] && pick "$JAVA_HOME"; then
  found=$JAVA_HOME
else
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/* /usr/java/* /opt/java/*; do
    [ -d "$d" ] || continue
    if pick "$d"; then found=$d; break; fi
  done
fi
if [ -z "$found" ] && command -v java >/dev/null 2>&1; then
  home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  if pick "$home"; then found=$home; fi
fi
if [ -z "$found" ]; then
  echo "qsock needs a Java 25 JDK (java and javac 25 or newer). None was found in JAVA_HOME (${JAVA_HOME:-unset})," >&2
  echo "under /usr/lib/jvm, /usr/java or /opt/java, or on the PATH. Install one (for example Temurin 25) and" >&2
  echo "set JAVA_HOME to it." >&2
  exit 1
fi
JAVA_HOME=$found
export JAVA_HOME
