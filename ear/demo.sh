#!/usr/bin/env bash
# Runs the sample EAR in an application server against NATS, the log showing messages flowing.
#
#   ear/demo.sh            build, then run on WildFly 39 (the default)
#   ear/demo.sh payara     build, then run on Payara 6
#   ear/demo.sh cluster    build, then run two WildFly 39 instances (a and b) against a local
#                          3-node NATS cluster: the instances split the orders, one is leader,
#                          and stopping the leader moves the lead to the other
#
# NATS: uses $NATS_URL (default nats://127.0.0.1:4222; it needs JetStream) and starts no server when
# one answers there; SAMPLE_DRIVER_ENABLED=false turns the demo order driver off. When nothing answers, starts a
# local nats-server (JetStream on, storage in a temp dir) and points the sample at it.
# Ctrl-C stops WildFly and whatever this script started, and exits.
#
# cluster: always starts its own nats-servers n1..n3 (the newest release, as below), on 127.0.0.1
# client ports 14222-14224 (CLUSTER_NATS_PORT moves the base), routes on +2000 (16222-16224) and
# monitoring on +4000 (18222-18224); instance a listens on 8080/9990, b on 8180/10090 (offset 100).
# Both get NATS_URL with the three servers and SAMPLE_REPLICAS=3. About 30 s after both are ready
# it stops the leader, waits for the other to take over and starts the stopped one again;
# DEMO_CLUSTER_STEPS=false leaves both running untouched instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${1:-wildfly}
case "$server" in
  wildfly|payara|cluster) ;;
  *) echo "demo.sh: unknown mode '$server' (supported: wildfly, payara, cluster)" >&2; exit 2 ;;
esac
profile=$server
[ "$server" = cluster ] && profile=wildfly   # the cluster runs the WildFly build

log() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

nats_pid=""
server_pid=""
server_home=""
nats_dir=""
cluster_dir=""          # cluster: the temp dir (instance-a, instance-b, n1..n3, console.log)
cluster_nats_pids=""    # cluster: the three nats-servers
cluster_instances=""    # cluster: the instances started (a, b)
cleanup() {
  trap '' INT TERM   # a second Ctrl-C must not cut the clean-up short
  trap - EXIT
  if [ -n "$cluster_instances" ]; then
    log "stopping WildFly instances $cluster_instances"
    # shellcheck disable=SC2086  # a word list
    stop_instances --drain $cluster_instances
  fi
  if [ -n "$cluster_nats_pids" ]; then
    log "stopping the NATS cluster this demo started"
    # shellcheck disable=SC2086
    stop_pids 10 $cluster_nats_pids
  fi
  [ -n "$cluster_dir" ] && rm -rf "$cluster_dir"
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

# --- cluster mode: the functions (the flow is run_cluster, called after the build) ---------------

# Runs a command in a session of its own, replacing the calling (background) shell: Ctrl-C and a
# signal to this script's process group do not reach it, so the clean-up stops it, in order.
detached() {
  if command -v setsid >/dev/null; then exec setsid "$@"; else exec "$@"; fi
}

# Prefixes each line of the input with [name], to the terminal and to the combined console.log.
# Ignores INT and TERM: it ends with its input, after the instance's last line.
prefix() {
  trap '' INT TERM
  sed -u "s/^/[$1] /" | tee -a "$cluster_dir/console.log"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pids <seconds> <pid>...: SIGTERM to all, wait up to <seconds> for all, then SIGKILL.
stop_pids() {
  local bound=$1 pid left
  shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 $((bound * 10))); do
    left=""
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  log "still running after ${bound} s:$left: SIGKILL"
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null || true
}

instance_dir() { echo "$cluster_dir/instance-$1"; }
# The java process of instance $1 (standalone.sh writes it, and removes it when java has ended).
instance_pid() { cat "$(instance_dir "$1")/java.pid" 2>/dev/null; }
instance_alive() { local pid; pid=$(instance_pid "$1") && kill -0 "$pid" 2>/dev/null; }
mgmt_port() { if [ "$1" = a ]; then echo 9990; else echo 10090; fi; }

# start_instance a|b: boots WildFly on base dir instance-a|b, its console prefixed with [a]|[b].
start_instance() {
  local n=$1 offset=0 dir
  [ "$n" = b ] && offset=100
  dir=$(instance_dir "$n")
  rm -f "$dir/java.pid" "$dir/shell.pid"
  console_lines > "$dir/console.mark"
  { echo "$BASHPID" > "$dir/shell.pid"
    detached env LAUNCH_JBOSS_IN_BACKGROUND=1 JBOSS_HOME="$server_home" JBOSS_PIDFILE="$dir/java.pid" \
      NATS_URL="$cluster_url" SAMPLE_REPLICAS=3 \
      "$server_home/bin/standalone.sh" "-Djboss.server.base.dir=$dir" "-Djboss.node.name=$n" \
      "-Djboss.tx.node.id=$n" "-Djboss.socket.binding.port-offset=$offset"; } 2>&1 | prefix "$n" &
  case " $cluster_instances " in *" $n "*) ;; *) cluster_instances="$cluster_instances $n" ;; esac
  cluster_instances=${cluster_instances# }
  local deadline=$((SECONDS + 30))
  until [ -s "$dir/java.pid" ]; do
    [ $SECONDS -lt $deadline ] || { echo "demo.sh: instance $n did not start its JVM within 30 s" >&2; exit 1; }
    sleep 0.1
  done
}

# stop_instances [--drain] <name>...: SIGTERM to each instance's JVM, up to 60 s for all, then
# SIGKILL; with --drain, then up to 10 s for standalone.sh to end and the console pipe to drain.
stop_instances() {
  local n pids="" shells="" pid deadline drain=no
  [ "$1" = --drain ] && { drain=yes; shift; }
  for n in "$@"; do
    pid=$(cat "$(instance_dir "$n")/shell.pid" 2>/dev/null) || continue
    shells="$shells $pid"
    # Stopped while booting: give standalone.sh a moment to write the JVM's pid.
    deadline=$((SECONDS + 10))
    while [ ! -s "$(instance_dir "$n")/java.pid" ] && [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
      sleep 0.1
    done
    pid=$(instance_pid "$n") && pids="$pids $pid"
  done
  # shellcheck disable=SC2086
  [ -n "$pids" ] && stop_pids 60 $pids
  [ "$drain" = yes ] || return 0
  for pid in $shells; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
  sleep 0.2   # the prefix pipes flush their last lines
}

# wait_ready a|b <seconds>: until the instance has logged the end of its boot (WFLYSRV0025 or, with
# errors, WFLYSRV0026) and /health/ready answers 200 (fails when the JVM ends). Asking only after the
# boot keeps WildFly's 'Reporting health down status' warnings out of the log.
wait_ready() {
  local n=$1 deadline=$((SECONDS + $2)) port mark
  port=$(mgmt_port "$1")
  mark=$(cat "$(instance_dir "$n")/console.mark")
  until tail -n +$((mark + 1)) "$cluster_dir/console.log" | grep -aq "^\[$n\] .*WFLYSRV002[56]" \
        && curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; do
    instance_alive "$n" || { echo "demo.sh: instance $n ended while booting (see [$n] above)" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "demo.sh: instance $n not ready within $2 s (http://127.0.0.1:$port/health/ready)" >&2; exit 1; }
    sleep 1
  done
}

# The node of the last 'Leader tick' in console.log, or nothing.
last_leader() {
  grep -a 'Leader tick: {' "$cluster_dir/console.log" | tail -n 1 \
    | sed -n 's/.*Leader tick: {"node":"\([^"]*\)".*/\1/p'
}
# The streams the cluster holds and their replicas, from node 1's monitoring port $1: 'ORDERS R3, ...'.
stream_replicas() {
  curl -fsS --max-time 5 "http://127.0.0.1:$1/jsz?streams=true&config=true" 2>/dev/null | tr -d '\n ' \
    | grep -o '"config":{"name":"[^"]*"[^}]*"num_replicas":[0-9]*' \
    | sed 's/"config":{"name":"\([^"]*\)".*"num_replicas":\([0-9]*\)/\1 R\2/' | sort | paste -sd, - | sed 's/,/, /g'
}
console_lines() { wc -l < "$cluster_dir/console.log" | tr -d ' '; }

# Before the build: curl is there and every port the cluster needs is free (fails clearly if not).
check_cluster() {
  command -v curl >/dev/null || { echo "demo.sh cluster: needs curl (health and monitoring checks)" >&2; exit 1; }
  local base=${CLUSTER_NATS_PORT:-14222} i p ports=""
  case "$base" in ''|*[!0-9]*) echo "demo.sh: CLUSTER_NATS_PORT must be a port number, not '$base'" >&2; exit 2 ;; esac
  if [ "$base" -lt 1024 ] || [ $((base + 4002)) -gt 65535 ]; then
    echo "demo.sh: CLUSTER_NATS_PORT=$base: the cluster needs $base..$((base + 4002)) within 1024..65535" >&2
    exit 2
  fi
  for i in 0 1 2; do ports="$ports $((base + i)) $((base + 2000 + i)) $((base + 4000 + i))"; done
  for p in $ports 8080 9990 8180 10090; do
    if port_taken "$p"; then
      echo "demo.sh cluster: port 127.0.0.1:$p is taken. It needs NATS client ports $base-$((base + 2)) (set" \
           "CLUSTER_NATS_PORT to move them), routes $((base + 2000))-$((base + 2002)), monitoring" \
           "$((base + 4000))-$((base + 4002)), and WildFly 8080/9990 (instance a) and 8180/10090 (instance b)" >&2
      exit 1
    fi
  done
}

run_cluster() {
  local base=${CLUSTER_NATS_PORT:-14222} i j p routes

  # 2. NATS: a 3-node cluster of the newest release, JetStream on, everything in the temp dir.
  find_nats_bin
  if [ -z "$nats_bin" ]; then
    echo "demo.sh cluster: no nats-server could be fetched and none is installed (Debian: apt-get install" \
         "nats-server, or set NATS_SERVER_BIN)" >&2
    exit 1
  fi
  cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/nats-jca-cluster.XXXXXX")
  : > "$cluster_dir/console.log"
  log "starting a 3-node NATS cluster nats-jca-demo: $("$nats_bin" --version), client ports $base-$((base + 2)) (in $cluster_dir)"
  cluster_url=""
  for i in 1 2 3; do
    p=$((base + i - 1))
    routes=""
    for j in 1 2 3; do
      [ "$j" = "$i" ] || routes="$routes${routes:+,}nats://127.0.0.1:$((base + 2000 + j - 1))"
    done
    mkdir -p "$cluster_dir/n$i"
    detached "$nats_bin" -a 127.0.0.1 -p "$p" -m $((p + 4000)) --server_name "n$i" \
      --cluster_name nats-jca-demo --cluster "nats://127.0.0.1:$((p + 2000))" --routes "$routes" \
      -js -sd "$cluster_dir/n$i/jetstream" -l "$cluster_dir/n$i/nats-server.log" &
    cluster_nats_pids="$cluster_nats_pids${cluster_nats_pids:+ }$!"
    cluster_url="$cluster_url${cluster_url:+,}nats://127.0.0.1:$p"
  done
  # Formed: each accepts clients, sees the other two over routes, and is healthy (JetStream has a meta leader).
  local deadline=$((SECONDS + 60)) formed pid
  while :; do
    formed=yes
    i=0
    for pid in $cluster_nats_pids; do
      i=$((i + 1))
      p=$((base + i - 1))
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "demo.sh cluster: nats-server n$i ended:" >&2
        tail -n 20 "$cluster_dir/n$i/nats-server.log" >&2
        exit 1
      fi
      if ! port_taken "$p" \
         || [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$((p + 4000))/routez" 2>/dev/null \
                 | grep -o '"remote_name": *"[^"]*"' | sort -u | wc -l)" -ne 2 ] \
         || ! curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$((p + 4000))/healthz" 2>/dev/null; then
        formed=no
        break
      fi
    done
    [ "$formed" = yes ] && break
    if [ $SECONDS -ge $deadline ]; then
      echo "demo.sh cluster: the NATS cluster did not form within 60 s (logs: $cluster_dir/n*/nats-server.log)" >&2
      tail -n 5 "$cluster_dir"/n*/nats-server.log >&2
      exit 1
    fi
    sleep 0.2
  done
  log "NATS cluster formed: n1, n2, n3 routed to each other, JetStream healthy; monitoring on $((base + 4000))-$((base + 4002))"

  # 3. WildFly: the MDB settings once (as the wildfly mode), then two base dirs with the EAR.
  local homes=("$root"/ear/target/demo/wildfly-*) n dir
  server_home=${homes[0]}
  log "configuring WildFly for MDBs, health and tracing (ear/src/main/wildfly/nats-jca.cli)"
  JBOSS_HOME="$server_home" "$server_home/bin/jboss-cli.sh" --file="$root/ear/src/main/wildfly/nats-jca.cli" >/dev/null
  for n in a b; do
    dir=$(instance_dir "$n")
    cp -R "$server_home/standalone" "$dir"
    rm -rf "$dir/data" "$dir/log" "$dir/tmp" "$dir"/deployments/natsapp.ear*
    cp "$root/ear/target/natsapp.ear" "$dir/deployments/"
  done
  log "starting WildFly instances a (8080, management 9990) and b (8180, management 10090) with natsapp.ear"
  log "  NATS_URL=$cluster_url SAMPLE_REPLICAS=3"
  start_instance a
  start_instance b
  wait_ready a 240
  wait_ready b 240
  log "both instances ready: http://127.0.0.1:9990/health/ready and http://127.0.0.1:10090/health/ready"
  log "JetStream on the cluster: $(stream_replicas "$((base + 4000))") (the replicas of each stream)"
  log "watch: 'Audited order' from both [a] and [b]: the shared durable order-auditor splits the orders"
  log "       between the instances (each also places two orders a second)"
  log "watch: 'Leader tick' from one instance only: the elected leader (bucket sample_leader, TTL 5 s)"

  if [ "${DEMO_CLUSTER_STEPS:-true}" != false ]; then
    log "in 30 s: stopping the leader (DEMO_CLUSTER_STEPS=false leaves both running)"
    for _ in $(seq 1 30); do
      if ! instance_alive a || ! instance_alive b; then
        echo "demo.sh cluster: an instance ended on its own (see its lines above)" >&2
        exit 1
      fi
      sleep 1
    done
    local leader="" other mark took stopped_at when
    deadline=$((SECONDS + 30))
    until leader=$(last_leader) && [ -n "$leader" ]; do
      [ $SECONDS -lt $deadline ] || { echo "demo.sh cluster: no 'Leader tick' logged by either instance" >&2; exit 1; }
      sleep 0.5
    done
    case "$leader" in
      a) other=b ;;
      b) other=a ;;
      *) echo "demo.sh cluster: the last Leader tick names node '$leader', neither a nor b" >&2; exit 1 ;;
    esac
    log "instance $leader is the leader: stopping it (SIGTERM)"
    mark=$(console_lines)
    stop_instances "$leader"
    stopped_at=$(console_lines)
    log "stopped instance $leader (the leader): watch the other one take over within the TTL (5 s)"
    deadline=$((SECONDS + 30))
    until tail -n +$((mark + 1)) "$cluster_dir/console.log" | grep -aq "^\[$other\] .*Leader tick: {"; do
      [ $SECONDS -lt $deadline ] || { echo "demo.sh cluster: instance $other logged no Leader tick within 30 s of stopping $leader" >&2; exit 1; }
      sleep 0.2
    done
    took=$(tail -n +$((mark + 1)) "$cluster_dir/console.log" | grep -an "^\[$other\] .*Leader tick: {" | head -n 1)
    # Stopped gracefully, the leader steps down as it shuts down: the other may lead before it has gone.
    when=""
    [ "$((mark + ${took%%:*}))" -le "$stopped_at" ] && when=" while $leader was still shutting down (it stepped down)"
    log "instance $other took over$when: its first Leader tick $(echo "$took" | sed -n 's/.*Leader tick: \({.*}\).*/\1/p')"
    log "starting instance $leader again"
    mark=$(console_lines)
    start_instance "$leader"
    wait_ready "$leader" 240
    log "instance $leader is back and rejoins as a follower: the Leader tick stays with [$other]; its [$leader] audits resume"
  fi
  log "running until Ctrl-C"
  while instance_alive a || instance_alive b; do sleep 1; done
  log "both instances have ended"
}

[ "$server" = cluster ] && check_cluster

# 1. Build the RAR, the sample and the EAR; unpack the server for the demo (only the first time).
log "building (mvn -Pdemo-$profile package; the first run downloads the server, 170-260 MB)"
(cd "$root" && mvn -B -q "-Pdemo-$profile" -DskipTests package -pl ear -am)

# The newest nats-server release, as the build's test matrix fetches it (cached); else one on the
# PATH. Sets nats_bin, empty when there is none.
find_nats_bin() {
  nats_bin="${NATS_SERVER_BIN:-$HOME/.cache/nats-jca/nats-server-sid/nats-server}"
  if [ ! -x "$nats_bin" ]; then
    bash "$root/ra/src/build/nats-server.sh" sid "$nats_bin" >&2 || nats_bin=""
  fi
  if [ -z "$nats_bin" ]; then
    command -v nats-server >/dev/null || PATH="$PATH:/usr/sbin"
    nats_bin=$(command -v nats-server || true)
  fi
}

if [ "$server" = cluster ]; then
  run_cluster
  exit 0
fi

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
  find_nats_bin
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
  # shellcheck disable=SC2012  # one folder, named by the build
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
