#!/usr/bin/env bash
# Prints `export NAME=value` lines for the local stack, for manual runs:
#
#   source <(scripts/env.sh)          everything below
#   source <(scripts/env.sh tests)    what the tests read (WEAPP_TEST_S3_*, WEAPP_TEST_MYSQL_URL,
#                                     WEAPP_TEST_REDIS_URL, WEAPP_TEST_MONGO_URL,
#                                     WEAPP_WX_SIM_URL, WEAPP_BASE_URL, ...)
#   source <(scripts/env.sh album)    what album reads (ALBUM_*, RUST_LOG), e.g. for
#                                     `cargo run -p album` while scripts/up is not running it
#   source <(scripts/env.sh ws-game)  what ws-game reads (WS_GAME_*, RUST_LOG), the same way;
#                      … video, session, wx-sim likewise (VIDEO_*, SESSION_*, WX_SIM_*)
#
# Values follow scripts/up: the S3 credentials come from WEAPP_S3_ACCESS_KEY /
# WEAPP_S3_SECRET_KEY or .run/s3-credentials.env (generated on first use), the MariaDB
# password from WEAPP_MYSQL_PASSWORD (default weapp).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

load_s3_credentials
test_environment

print_exports() {
    local assignment
    for assignment in "$@"; do
        printf 'export %s=%q\n' "${assignment%%=*}" "${assignment#*=}"
    done
}

# every_service — fills ALL_SERVICES_ENV with the settings of every service, RUST_LOG once.
every_service() {
    local service assignment seen=" "
    ALL_SERVICES_ENV=()
    for service in "${SIMULATORS[@]}" "${SERVICES[@]}"; do
        service_environment "$service"
        for assignment in "${SERVICE_ENV[@]}"; do
            [[ $seen == *" ${assignment%%=*} "* ]] && continue
            seen+="${assignment%%=*} "
            ALL_SERVICES_ENV+=("$assignment")
        done
    done
}

usage="usage: scripts/env.sh [all|tests|$(IFS="|" && echo "${SERVICES[*]}|${SIMULATORS[*]}")]"
case ${1:-all} in
all)
    every_service
    print_exports "${TEST_ENV[@]}" "${ALL_SERVICES_ENV[@]}"
    ;;
tests) print_exports "${TEST_ENV[@]}" ;;
-h | --help) printf '%s\n' "$usage" ;;
*)
    [[ -n ${SERVICE_PORT[$1]:-} ]] || die "$usage"
    service_environment "$1"
    print_exports "${SERVICE_ENV[@]}"
    ;;
esac
