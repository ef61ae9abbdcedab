# Shared functions of dev/up, dev/down and dev/test. Sourced, not run.
# Everything lives under $ROOT/.dev: downloads, data, logs, PIDs, secrets and the env file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# DEV_DIR: another state folder, e.g. a private broker beside the shared one (with other ports).
DEV=${DEV_DIR:-$ROOT/.dev}
KAFKA_VERSION=4.1.1
KAFKA_PORT=${DEV_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${DEV_KAFKA_CONTROLLER_PORT:-19093}
# The broker's second listener: SASL_SSL (SCRAM user, TLS certificate of a dev CA), loopback.
KAFKA_SASL_SSL_PORT=${DEV_KAFKA_SASL_SSL_PORT:-19094}
KAFKA_SCRAM_USER=exposure
PG_PORT=${DEV_PG_PORT:-15432}
INGEST_PORT=${DEV_INGEST_PORT:-18080}
ADMIN_PORT=${DEV_ADMIN_PORT:-18081}
EXPORTER_PORT=${DEV_EXPORTER_PORT:-18082}
PROCESSOR_PORT=${DEV_PROCESSOR_PORT:-18083}
PROJECTOR_PORT=${DEV_PROJECTOR_PORT:-18084}
# Ops listeners (/health, /ready, /metrics) of the services with a public port; the processor
# and projector have only their ops listener (the two ports above).
INGEST_OPS_PORT=${DEV_INGEST_OPS_PORT:-18180}
ADMIN_OPS_PORT=${DEV_ADMIN_OPS_PORT:-18181}
EXPORTER_OPS_PORT=${DEV_EXPORTER_OPS_PORT:-18182}
PROMETHEUS_PORT=${DEV_PROMETHEUS_PORT:-19090}
PROM_DIR=${DEV_PROMETHEUS_DIR:-$DEV/prometheus}
SERVICES=(processor projector ingest admin exporter)

log() { printf '\033[1;34m[dev]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[dev] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    as_root apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Installs what the local stack needs and is missing: a Java runtime, Maven, PostgreSQL, openssl,
# curl, and Chromium with chromedriver (browser tests).
ensure_packages() {
  local missing=()
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  pg_bindir >/dev/null || missing+=(postgresql postgresql-contrib)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  # rdkafka's `ssl` feature links the system OpenSSL through pkg-config.
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
  # Prometheus (and promtool) from Debian; it runs as our own process, not the Debian service.
  command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  command -v cargo >/dev/null || die "cargo is missing: install the Rust toolchain (rustup) first"
}

# Test-only tools: headless Chromium and its driver (admin console browser tests) and Python's
# venv (the independent reader of export files).
ensure_test_packages() {
  local missing=()
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# --- Kafka ------------------------------------------------------------------------------------

kafka_fetch() {
  local libs="$DEV/kafka/libs"
  if [ -f "$libs/.version" ] && [ "$(cat "$libs/.version")" = "$KAFKA_VERSION" ]; then return 0; fi
  log "fetching Apache Kafka $KAFKA_VERSION from the Maven registry"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$ROOT/dev/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime >&2
  echo "$KAFKA_VERSION" > "$libs/.version"
}

kafka_running() { pid_alive "$DEV/kafka/kafka.pid"; }

# The dev CA and the broker's certificate (IP 127.0.0.1 and localhost), in $DEV/kafka/tls, and
# the broker's PKCS#12 key store. `kafka` is the broker's name in docker-compose.yml. Made once; clients trust $DEV/kafka/tls/ca.pem.
kafka_tls() {
  local t="$DEV/kafka/tls" pw
  mkdir -p "$t"; chmod 700 "$t"
  pw=$(cat "$DEV/secrets/kafka-keystore-password")
  if [ ! -f "$t/ca.pem" ]; then
    log "creating the dev CA of Kafka's TLS listener"
    rm -f "$t/broker.p12"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=exposure dev Kafka CA" -keyout "$t/ca.key" -out "$t/ca.pem" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  fi
  if [ ! -f "$t/broker.p12" ]; then
    log "creating Kafka's TLS certificate (signed by the dev CA)"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$t/broker.key" -out "$t/broker.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kafka" "extendedKeyUsage=serverAuth" \
      "keyUsage=critical,digitalSignature" > "$t/broker.ext"
    openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -days 825 \
      -set_serial "0x$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
      -extfile "$t/broker.ext" -out "$t/broker.pem" 2>/dev/null
    openssl pkcs12 -export -in "$t/broker.pem" -inkey "$t/broker.key" -certfile "$t/ca.pem" \
      -name broker -out "$t/broker.p12" -passout "pass:$pw"
    rm -f "$t/broker.csr" "$t/broker.ext"
  fi
  chmod 600 "$t"/*
}

# The SCRAM user of the SASL_SSL listener (both hashes), set through the PLAINTEXT listener.
# Idempotent: setting the same password again changes nothing a client sees.
kafka_scram_user() {
  local pw mechanism; pw=$(cat "$DEV/secrets/kafka-password")
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do # one per request: the broker refuses both at once
    java -cp "$DEV/kafka/libs/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" \
      kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter \
      --add-config "$mechanism=[password=$pw]" --entity-type users --entity-name "$KAFKA_SCRAM_USER" \
      > "$DEV/kafka/scram-user.log" 2>&1 ||
      die "cannot create the Kafka SCRAM user $KAFKA_SCRAM_USER; see $DEV/kafka/scram-user.log"
  done
  rm -f "$DEV/kafka/scram-user.log"
}

kafka_start() {
  kafka_fetch
  kafka_tls
  if kafka_running; then
    log "Kafka already running (pid $(cat "$DEV/kafka/kafka.pid"))"
    kafka_scram_user
    return 0
  fi
  local conf="$DEV/kafka/server.properties" data="$DEV/kafka/data"
  mkdir -p "$data"
  sed -e "s#@DATA@#$data#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CPORT@#$KAFKA_CONTROLLER_PORT#g" \
    -e "s#@SPORT@#$KAFKA_SASL_SSL_PORT#g" -e "s#@TLS@#$DEV/kafka/tls#g" \
    -e "s#@KEYSTORE_PASSWORD@#$(cat "$DEV/secrets/kafka-keystore-password")#g" \
    "$ROOT/dev/kafka/server.properties.in" > "$conf"
  chmod 600 "$conf"
  if [ ! -f "$data/meta.properties" ]; then
    log "formatting KRaft storage"
    java -cp "$DEV/kafka/libs/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" \
      kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$conf" >/dev/null
  fi
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" -Dkafka.logs.dir="$DEV/kafka" \
    -cp "$DEV/kafka/libs/*" kafka.Kafka "$conf" > "$DEV/kafka/kafka.log" 2>&1 &
  echo $! > "$DEV/kafka/kafka.pid"
  wait_port "$KAFKA_PORT" 90 "Kafka" "$DEV/kafka/kafka.log"
  # The port opens before the broker can serve metadata; wait until it logs that it started.
  local deadline=$((SECONDS + 90))
  until grep -q "Kafka Server started\|KafkaServer id=.*started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$DEV/kafka/kafka.log" 2>/dev/null; do
    kafka_running || die "Kafka exited; see $DEV/kafka/kafka.log"
    [ $SECONDS -lt $deadline ] || die "Kafka did not finish starting; see $DEV/kafka/kafka.log"
    sleep 0.5
  done
  kafka_scram_user
}

# Deletes the topics earlier test runs left behind (prefix `t<12 hex>.`), so a broker used for
# many runs stays quick to start. Deletion is asynchronous on the broker.
kafka_delete_test_topics() { # [bootstrap servers, default the single broker]
  java -cp "$DEV/kafka/libs/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "${1:-127.0.0.1:$KAFKA_PORT}" \
    --delete --if-exists --topic 't[0-9a-f]{12}\..*' >/dev/null 2>&1 || true
}

# Drops the databases earlier test runs left behind (`t_<32 hex>`): hundreds of idle databases
# keep the autovacuum launcher busy and slow every later run and benchmark.
pg_drop_test_databases() {
  local db
  for db in $(PGPASSWORD=$(cat "$DEV/secrets/pg-password") psql -q -h 127.0.0.1 -p "$PG_PORT" \
      -U "$PG_USER" -d postgres -tAc "SELECT datname FROM pg_database WHERE datname ~ '^t_[0-9a-f]{32}$'"); do
    PGPASSWORD=$(cat "$DEV/secrets/pg-password") psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" \
      -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  done
}

kafka_cluster_id() { # [file, default the single broker's]
  local f=${1:-$DEV/kafka/cluster.id}
  mkdir -p "$(dirname "$f")"
  # A KRaft cluster id is 16 random bytes in URL-safe base64 without padding (22 chars).
  [ -f "$f" ] || head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' > "$f"
  cat "$f"
}

# --- The three-node Kafka cluster (dev/brokers, ./dev/up --brokers 3) -----------------------------
# Node n (1..3) listens for clients on BROKERS_PORT_BASE+n and for the controller quorum on
# BROKERS_PORT_BASE+10+n; its state is in $DEV/brokers/node<n>. It runs beside the single broker
# (other ports, other data), so the fault suite can use it while the single broker serves tests.
BROKERS_PORT_BASE=${DEV_BROKERS_PORT_BASE:-19100}
BROKERS_NODES=(1 2 3)

brokers_list() {
  local n out=()
  for n in "${BROKERS_NODES[@]}"; do out+=("127.0.0.1:$((BROKERS_PORT_BASE + n))"); done
  (IFS=,; echo "${out[*]}")
}

broker_running() { pid_alive "$DEV/brokers/node$1/kafka.pid"; }

# Starts node $1 (formatting its storage the first time) without waiting for it.
broker_start() {
  local n=$1 dir="$DEV/brokers/node$1" voters="" v
  if broker_running "$n"; then return 0; fi
  for v in "${BROKERS_NODES[@]}"; do voters+="${voters:+,}$v@127.0.0.1:$((BROKERS_PORT_BASE + 10 + v))"; done
  mkdir -p "$dir/data"
  sed -e "s#@NODE@#$n#g" -e "s#@VOTERS@#$voters#g" -e "s#@DATA@#$dir/data#g" \
    -e "s#@PORT@#$((BROKERS_PORT_BASE + n))#g" -e "s#@CPORT@#$((BROKERS_PORT_BASE + 10 + n))#g" \
    "$ROOT/dev/kafka/cluster.properties.in" > "$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    java -cp "$DEV/kafka/libs/*" -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" \
      kafka.tools.StorageTool format -t "$(kafka_cluster_id "$DEV/brokers/cluster.id")" -c "$dir/server.properties" >/dev/null
  fi
  # The previous run's log is kept (the new one starts empty, so broker_wait reads only this run).
  [ ! -f "$dir/kafka.log" ] || cat "$dir/kafka.log" >> "$dir/kafka.old.log"
  nohup java -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/dev/kafka/log4j2.properties" -Dkafka.logs.dir="$dir" \
    -cp "$DEV/kafka/libs/*" kafka.Kafka "$dir/server.properties" > "$dir/kafka.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
}

# Waits until node $1 logged that it started.
broker_wait() {
  local n=$1 dir="$DEV/brokers/node$1" deadline=$((SECONDS + 120))
  until grep -q "Kafka Server started" "$dir/kafka.log" 2>/dev/null; do
    broker_running "$n" || die "Kafka node $n exited; see $dir/kafka.log"
    [ $SECONDS -lt $deadline ] || die "Kafka node $n did not start within 120 s; see $dir/kafka.log"
    sleep 0.5
  done
}

# Starts every node that is not running and waits until all three serve metadata.
brokers_start() {
  kafka_fetch
  local n
  for n in "${BROKERS_NODES[@]}"; do
    if broker_running "$n"; then log "Kafka node $n already running"; else log "starting Kafka node $n on 127.0.0.1:$((BROKERS_PORT_BASE + n))"; broker_start "$n"; fi
  done
  for n in "${BROKERS_NODES[@]}"; do broker_wait "$n"; done
  log "three-node Kafka cluster up: $(brokers_list)"
}

brokers_stop() {
  local n f
  # All at once: the last node left alone would wait for a controller quorum to shut down.
  for n in "${BROKERS_NODES[@]}"; do
    f="$DEV/brokers/node$n/kafka.pid"
    if pid_alive "$f"; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
  done
  for n in "${BROKERS_NODES[@]}"; do stop_pidfile "$DEV/brokers/node$n/kafka.pid" "Kafka node $n" 60; done
}

# kill -9 of node $1 (the fault suite's broker loss).
broker_kill() {
  local f="$DEV/brokers/node$1/kafka.pid"
  pid_alive "$f" || die "Kafka node $1 is not running"
  kill -KILL "$(cat "$f")"
  while pid_alive "$f"; do sleep 0.1; done
  rm -f "$f"
}


# --- PostgreSQL -------------------------------------------------------------------------------

PG_USER=postgres
pg_run() {
  # initdb and pg_ctl refuse to run as root: use the postgres OS user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() { [ -f "$DEV/pg/data/postmaster.pid" ] && pg_run "$(pg_bindir)/pg_ctl" -D "$DEV/pg/data" status >/dev/null 2>&1; }

pg_start() {
  local bin; bin=$(pg_bindir) || die "PostgreSQL server binaries not found"
  mkdir -p "$DEV/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DEV/pg"; fi
  if [ ! -f "$DEV/pg/data/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $DEV/pg/data"
    local pwfile="$DEV/pg/pwfile"
    cp "$DEV/secrets/pg-password" "$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pwfile"; fi
    pg_run "$bin/initdb" -D "$DEV/pg/data" --username="$PG_USER" --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  if pg_running; then log "PostgreSQL already running"; return 0; fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  pg_run "$bin/pg_ctl" -D "$DEV/pg/data" -l "$DEV/pg/postgres.log" -w -t 60 start \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on -c shared_buffers=256MB" >/dev/null
  local url="postgres://$PG_USER:$(cat "$DEV/secrets/pg-password")@127.0.0.1:$PG_PORT"
  PGPASSWORD=$(cat "$DEV/secrets/pg-password") psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='exposure'" | grep -q 1 ||
    PGPASSWORD=$(cat "$DEV/secrets/pg-password") psql -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE exposure" >/dev/null
  : "$url"
}

pg_stop() {
  if pg_running; then
    log "stopping PostgreSQL"
    pg_run "$(pg_bindir)/pg_ctl" -D "$DEV/pg/data" -m fast -w stop >/dev/null || true
  fi
}

# --- Prometheus -------------------------------------------------------------------------------

# Debian's Prometheus as a user process on loopback, scraping every service's ops listener with
# the repo's alert rules (deploy/prometheus/rules) loaded. Data in .dev/prometheus.
prometheus_running() { pid_alive "$PROM_DIR/prometheus.pid"; }

prometheus_config() { # file: scrape config for the local stack's ops ports
  cat > "$1" <<YAML
# Written by dev/lib.sh (prometheus_start): the local stack's ops listeners.
global:
  scrape_interval: 5s
  evaluation_interval: 15s
rule_files:
  - $ROOT/deploy/prometheus/rules/*.yml
scrape_configs:
  - job_name: keyserver
    static_configs:
      - targets: ['127.0.0.1:$INGEST_OPS_PORT']
        labels: {component: ingest}
      - targets: ['127.0.0.1:$ADMIN_OPS_PORT']
        labels: {component: admin}
      - targets: ['127.0.0.1:$EXPORTER_OPS_PORT']
        labels: {component: exporter}
      - targets: ['127.0.0.1:$PROCESSOR_PORT']
        labels: {component: processor}
      - targets: ['127.0.0.1:$PROJECTOR_PORT']
        labels: {component: projector}
YAML
}

prometheus_start() {
  command -v prometheus >/dev/null || die "prometheus is missing (Debian package prometheus)"
  if prometheus_running; then log "Prometheus already running (pid $(cat "$PROM_DIR/prometheus.pid"))"; return 0; fi
  mkdir -p "$PROM_DIR/data"
  prometheus_config "$PROM_DIR/prometheus.yml"
  promtool check config "$PROM_DIR/prometheus.yml" >/dev/null ||
    die "the generated Prometheus config is invalid: promtool check config $PROM_DIR/prometheus.yml"
  log "starting Prometheus on 127.0.0.1:$PROMETHEUS_PORT"
  nohup prometheus --config.file="$PROM_DIR/prometheus.yml" \
    --storage.tsdb.path="$PROM_DIR/data" --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle \
    > "$PROM_DIR/prometheus.log" 2>&1 &
  echo $! > "$PROM_DIR/prometheus.pid"
  wait_http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 60 "Prometheus" "$PROM_DIR/prometheus.log"
}

prometheus_stop() { stop_pidfile "$PROM_DIR/prometheus.pid" "Prometheus"; }

# --- secrets and env --------------------------------------------------------------------------

ensure_secrets() {
  local s="$DEV/secrets"
  mkdir -p "$s"; chmod 700 "$s"
  [ -f "$s/pg-password" ] || head -c 18 /dev/urandom | base64 | tr -d '+/=' > "$s/pg-password"
  [ -f "$s/admin-token" ] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' > "$s/admin-token"
  # Revision-token keys: one `<key id>:<base64 of 64 random bytes>` per line (AES-256-SIV keys);
  # the last line encrypts, every line decrypts.
  # The optional third field is the key's creation day (the key-age metric and alert).
  [ -f "$s/revision-token-keys" ] ||
    echo "1:$(head -c 64 /dev/urandom | base64 -w0):$(date -u +%F)" > "$s/revision-token-keys"
  # Kafka's SASL_SSL listener: the SCRAM user's password and the broker's key store password.
  [ -f "$s/kafka-password" ] || head -c 18 /dev/urandom | base64 | tr -d '+/=' > "$s/kafka-password"
  # (no newline: docker-compose's broker reads the whole file as the password)
  [ -f "$s/kafka-keystore-password" ] || printf %s "$(head -c 18 /dev/urandom | base64 | tr -d '+/=')" > "$s/kafka-keystore-password"
  [ -f "$s/export-signing-key.pem" ] ||
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$s/export-signing-key.pem" 2>/dev/null
  # For docker-compose: the URL as seen from inside the compose network.
  echo "postgres://postgres:$(cat "$s/pg-password")@postgres:5432/exposure" > "$s/database-url"
  chmod 600 "$s"/*
}

# KAFKA_BROKERS (and the topics' replication) of the stack: the single broker, or with
# DEV_BROKERS=3 (./dev/up --brokers 3) the three-node cluster of dev/brokers.
kafka_env() {
  if [ "${DEV_BROKERS:-1}" = 3 ]; then
    printf '%s\n' "# The three-node cluster (./dev/up --brokers 3): three copies of every topic, two in sync." \
      "KAFKA_BROKERS=$(brokers_list)" "KAFKA_REPLICATION_FACTOR=3" "KAFKA_MIN_INSYNC_REPLICAS=2"
  else
    echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  fi
}

write_env() {
  local pw; pw=$(cat "$DEV/secrets/pg-password")
  cat > "$DEV/env" <<ENV
# Written by dev/up and dev/test: connection settings of the local stack.
$(kafka_env)
# The same broker's SASL_SSL listener (tests of Kafka security; services use KAFKA_BROKERS).
# To run a service over it: KAFKA_BROKERS=\$KAFKA_SASL_SSL_BROKERS KAFKA_SECURITY_PROTOCOL=SASL_SSL
# KAFKA_SASL_USERNAME=\$KAFKA_SCRAM_USERNAME KAFKA_SASL_PASSWORD_FILE=\$KAFKA_SCRAM_PASSWORD_FILE
# KAFKA_SSL_CA_LOCATION=\$KAFKA_DEV_CA_LOCATION (SCRAM-SHA-512 by default; both hashes are set).
KAFKA_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT
KAFKA_SCRAM_USERNAME=$KAFKA_SCRAM_USER
KAFKA_SCRAM_PASSWORD_FILE=$DEV/secrets/kafka-password
KAFKA_DEV_CA_LOCATION=$DEV/kafka/tls/ca.pem
DATABASE_URL=postgres://$PG_USER:$pw@127.0.0.1:$PG_PORT/exposure
DATABASE_ADMIN_URL=postgres://$PG_USER:$pw@127.0.0.1:$PG_PORT/postgres
INGEST_URL=http://127.0.0.1:$INGEST_PORT
ADMIN_URL=http://127.0.0.1:$ADMIN_PORT
EXPORT_URL=http://127.0.0.1:$EXPORTER_PORT
PROCESSOR_URL=http://127.0.0.1:$PROCESSOR_PORT
PROJECTOR_URL=http://127.0.0.1:$PROJECTOR_PORT
INGEST_OPS_URL=http://127.0.0.1:$INGEST_OPS_PORT
ADMIN_OPS_URL=http://127.0.0.1:$ADMIN_OPS_PORT
EXPORT_OPS_URL=http://127.0.0.1:$EXPORTER_OPS_PORT
EXPORTER_OPS_URL=http://127.0.0.1:$EXPORTER_OPS_PORT
PROCESSOR_OPS_URL=http://127.0.0.1:$PROCESSOR_PORT
PROJECTOR_OPS_URL=http://127.0.0.1:$PROJECTOR_PORT
ADMIN_TOKEN=$(cat "$DEV/secrets/admin-token")
ADMIN_TOKEN_FILE=$DEV/secrets/admin-token
REVISION_TOKEN_KEYS_FILE=$DEV/secrets/revision-token-keys
EXPORT_SIGNING_KEY_FILE=$DEV/secrets/export-signing-key.pem
EXPORT_DIR=$DEV/exports
PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
ENV
  chmod 600 "$DEV/env"
}

# --- processes --------------------------------------------------------------------------------

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_port() { # port timeout name logfile
  local deadline=$((SECONDS + $2))
  until (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$3 did not open port $1 within $2 s; see $4"
    sleep 0.3
  done
}

wait_http_ok() { # url timeout name logfile
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$3 is not healthy at $1 after $2 s; see $4"
    sleep 0.3
  done
}

stop_pidfile() { # pidfile name [seconds to wait before SIGKILL, default 10]
  local f=$1 pid wait=${3:-10}
  pid_alive "$f" || { rm -f "$f"; return 0; }
  pid=$(cat "$f")
  log "stopping $2 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "$2 did not stop in $wait s; killing"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$f"
}

load_env() { set -a; . "$DEV/env"; set +a; }
