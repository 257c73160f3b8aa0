#!/usr/bin/env bash
# Runs the sample EAR in an application server against NATS, the log showing messages flowing.
#
#   ear/demo.sh            build, then run on WildFly 39 (the default)
#   ear/demo.sh payara     build, then run on Payara 6
#
# NATS: uses $NATS_URL (default nats://127.0.0.1:4222; it needs JetStream) and starts no server when
# one answers there; SAMPLE_DRIVER_ENABLED=false turns the demo order driver off. When nothing answers, starts a
# local nats-server (JetStream on, storage in a temp dir) and points the sample at it.
# Ctrl-C stops WildFly and whatever this script started, and exits.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${1:-wildfly}
case "$server" in
  wildfly|payara) ;;
  *) echo "demo.sh: unknown server '$server' (supported: wildfly, payara)" >&2; exit 2 ;;
esac

log() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

nats_pid=""
server_pid=""
server_home=""
nats_dir=""
cleanup() {
  trap '' INT TERM   # a second Ctrl-C must not cut the clean-up short
  trap - EXIT
  if [ "$server" = payara ] && [ -n "$server_home" ]; then
    log "stopping Payara"
    timeout 60 "$server_home/bin/asadmin" stop-domain domain1 >/dev/null 2>&1 || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    log "stopping $server"
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

# 1. Build the RAR, the sample and the EAR; unpack the server for the demo (only the first time).
log "building (mvn -Pdemo-$server package; the first run downloads the server, 170-260 MB)"
(cd "$root" && mvn -B -q "-Pdemo-$server" -DskipTests package -pl ear -am)

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
  # The newest release, as the build's test matrix fetches it (cached); else one on the PATH.
  nats_bin="${NATS_SERVER_BIN:-$HOME/.cache/nats-jca/nats-server-sid/nats-server}"
  if [ ! -x "$nats_bin" ]; then
    bash "$root/ra/src/build/nats-server.sh" sid "$nats_bin" >&2 || nats_bin=""
  fi
  if [ -z "$nats_bin" ]; then
    command -v nats-server >/dev/null || PATH="$PATH:/usr/sbin"
    nats_bin=$(command -v nats-server || true)
  fi
  if [ -z "$nats_bin" ]; then
    echo "demo.sh: no NATS server answers at $host:$port, none could be fetched, and nats-server is not" \
         "installed (Debian: apt-get install nats-server, or set NATS_SERVER_BIN)" >&2
    exit 1
  fi
  case "$host" in 127.*|localhost) ;; *) host=127.0.0.1; port=4222 ;; esac
  nats_dir=$(mktemp -d)
  log "no NATS server at $host:$port: starting $("$nats_bin" --version) (JetStream in $nats_dir)"
  "$nats_bin" -a 127.0.0.1 -p "$port" -js -sd "$nats_dir/jetstream" -l "$nats_dir/nats-server.log" &
  nats_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$nats_pid" 2>/dev/null || { cat "$nats_dir/nats-server.log" >&2; exit 1; }
    sleep 0.1
  done
  nats_url="nats://127.0.0.1:$port"
fi
export NATS_URL=$nats_url

ear="$root/ear/target/natsapp.ear"
if [ "$server" = wildfly ]; then
  # 3. WildFly: the EJB settings MDBs need on the default profile, then the EAR, then boot.
  server_home=$(ls -d "$root"/ear/target/demo/wildfly-* | head -n 1)
  log "configuring WildFly for MDBs, health and tracing (ear/src/main/wildfly/nats-jca.cli)"
  JBOSS_HOME="$server_home" "$server_home/bin/jboss-cli.sh" --file="$root/ear/src/main/wildfly/nats-jca.cli" >/dev/null
  rm -f "$server_home"/standalone/deployments/natsapp.ear*
  cp "$ear" "$server_home/standalone/deployments/"
  log "starting WildFly with natsapp.ear; NATS_URL=$NATS_URL; Ctrl-C to stop"
  log "watch for 'Placed order', 'Audited order', 'moved to orders.dlq' and 'Leader tick'"
  log "readiness: http://127.0.0.1:9990/health/ready (the adapter's status: DOWN while a bean cannot receive)"
  LAUNCH_JBOSS_IN_BACKGROUND=1 JBOSS_HOME="$server_home" "$server_home/bin/standalone.sh" &
  server_pid=$!
else
  # 3. Payara: domain1 (configured by the build: HTTP 28080, Hazelcast off), then the EAR.
  server_home="$root/ear/target/demo/payara6"
  log "starting Payara domain1; NATS_URL=$NATS_URL; Ctrl-C to stop"
  "$server_home/bin/asadmin" start-domain --verbose domain1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    "$server_home/bin/asadmin" list-applications >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || exit 1
    sleep 1
  done
  log "deploying natsapp.ear"
  "$server_home/bin/asadmin" deploy --force=true "$ear"
  log "watch for 'Placed order', 'Audited order', 'moved to orders.dlq' and 'Leader tick'"
  log "readiness: http://127.0.0.1:28080/health/ready (the adapter's status: DOWN while a bean cannot receive)"
fi
wait "$server_pid" || true
server_pid=""
