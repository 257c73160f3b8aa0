#!/usr/bin/env bash
# Runs the sample EAR in WildFly against NATS, with the log showing messages flowing.
#
#   ear/demo.sh            build, then run on WildFly (the default)
#
# NATS: uses $NATS_URL (default nats://127.0.0.1:4222). When nothing answers there, starts a
# local nats-server (JetStream on, storage in a temp dir) and points the sample at it.
# Ctrl-C stops WildFly and whatever this script started, and exits.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${1:-wildfly}
case "$server" in
  wildfly) ;;
  *) echo "demo.sh: unknown server '$server' (supported: wildfly)" >&2; exit 2 ;;
esac

log() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

nats_pid=""
server_pid=""
nats_dir=""
cleanup() {
  trap - INT TERM EXIT
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    log "stopping WildFly"
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$nats_pid" ] && kill -0 "$nats_pid" 2>/dev/null; then
    log "stopping the nats-server this demo started"
    kill -TERM "$nats_pid" 2>/dev/null || true
    wait "$nats_pid" 2>/dev/null || true
  fi
  [ -n "$nats_dir" ] && rm -rf "$nats_dir"
  log "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# 1. Build the RAR, the sample and the EAR; unpack a WildFly for the demo (only the first time).
log "building (mvn -Pdemo package; the first run downloads WildFly, ~260 MB)"
(cd "$root" && mvn -B -q -Pdemo -DskipTests package -pl ear -am)
jboss_home=$(ls -d "$root"/ear/target/demo/wildfly-* | head -n 1)

# 2. NATS: use the one at NATS_URL, or start a local one.
nats_url=${NATS_URL:-nats://127.0.0.1:4222}
first=${nats_url%%,*}
hostport=${first#*://}
hostport=${hostport##*@}
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=4222
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  log "using the NATS server at $host:$port"
else
  command -v nats-server >/dev/null || PATH="$PATH:/usr/sbin"
  if ! command -v nats-server >/dev/null; then
    echo "demo.sh: no NATS server answers at $host:$port and nats-server is not installed" \
         "(Debian: apt-get install nats-server)" >&2
    exit 1
  fi
  case "$host" in 127.*|localhost) ;; *) host=127.0.0.1; port=4222 ;; esac
  nats_dir=$(mktemp -d)
  log "no NATS server at $host:$port: starting one (JetStream in $nats_dir)"
  nats-server -a 127.0.0.1 -p "$port" -js -sd "$nats_dir/jetstream" -l "$nats_dir/nats-server.log" &
  nats_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$nats_pid" 2>/dev/null || { cat "$nats_dir/nats-server.log" >&2; exit 1; }
    sleep 0.1
  done
  nats_url="nats://127.0.0.1:$port"
fi
export NATS_URL=$nats_url

# 3. WildFly: the EJB settings MDBs need on the default profile, then the EAR, then boot.
log "configuring WildFly for MDBs (ear/src/main/wildfly/nats-jca.cli)"
JBOSS_HOME="$jboss_home" "$jboss_home/bin/jboss-cli.sh" --file="$root/ear/src/main/wildfly/nats-jca.cli" >/dev/null
rm -f "$jboss_home"/standalone/deployments/natsapp.ear*
cp "$root/ear/target/natsapp.ear" "$jboss_home/standalone/deployments/"
log "starting WildFly with natsapp.ear; NATS_URL=$NATS_URL; Ctrl-C to stop"
log "watch for 'Published on sample.greetings' and 'Received on sample.greetings'"
LAUNCH_JBOSS_IN_BACKGROUND=1 JBOSS_HOME="$jboss_home" "$jboss_home/bin/standalone.sh" &
server_pid=$!
wait "$server_pid" || true
server_pid=""
