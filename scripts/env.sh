#!/usr/bin/env bash
# Prints `export NAME=value` lines for the local stack, for manual runs:
#
#   source <(scripts/env.sh)          everything below
#   source <(scripts/env.sh tests)    what the tests read (WEAPP_TEST_S3_*, WEAPP_*_URL, ...)
#   source <(scripts/env.sh album)    what album reads (ALBUM_*, RUST_LOG), e.g. for
#                                     `cargo run -p album` while scripts/up is not running it
#
# Values follow scripts/up: the S3 credentials come from WEAPP_S3_ACCESS_KEY /
# WEAPP_S3_SECRET_KEY or .run/s3-credentials.env (generated on first use).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

load_s3_credentials
album_environment
test_environment

print_exports() {
    local assignment
    for assignment in "$@"; do
        printf 'export %s=%q\n' "${assignment%%=*}" "${assignment#*=}"
    done
}

case ${1:-all} in
all) print_exports "${TEST_ENV[@]}" "${ALBUM_ENV[@]}" ;;
tests) print_exports "${TEST_ENV[@]}" ;;
album) print_exports "${ALBUM_ENV[@]}" ;;
*) die "usage: scripts/env.sh [all|tests|album]" ;;
esac
