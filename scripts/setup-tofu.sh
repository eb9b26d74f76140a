#!/usr/bin/env bash
# setup-tofu.sh: build and cache the OpenTofu CLI that the Terraform/OpenTofu tests,
# examples and benchmarks run, without downloads from outside the Go module proxy.
#
# Installs $TOFU_HOME/versions/$TOFU_VERSION/tofu (TOFU_HOME defaults to <repo>/.tofu-home,
# beside the Pulumi CLI's <repo>/.pulumi-home; git ignores both), built from the Go module
# github.com/opentofu/opentofu@v1.10.6. `go install module@version` refuses that module
# (its go.mod has `replace` directives), so the module is downloaded with the go command
# and ./cmd/tofu is built in a writable copy of it, as the module's own DEVELOPERS.md does.
#
# Needs: Go >= 1.24.6 (on PATH, or /usr/local/go/bin/go, or $GO) and a Go module proxy.
# Builds with CGO_ENABLED=0, so no C compiler is needed. A `tofu` already on PATH is
# ignored on purpose: the tests pin the version.
#
# Usage: scripts/setup-tofu.sh [--force]
#   Safe to rerun: when the pinned version is installed it says so and exits (a second or
#   so). The binary is built in a temporary folder and renamed into place, so an
#   interrupted run never leaves a half-written binary. First build: ~5-15 min on 2 cores.
set -euo pipefail

TOFU_VERSION=1.10.6
MIN_GO=1.24.6

say() { printf '[setup-tofu] %s\n' "$*"; }
die() { printf '[setup-tofu] ERROR: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
    case "$arg" in
    --force) force=1 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (usage: $0 [--force])" ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOFU_HOME=${TOFU_HOME:-$repo/.tofu-home}
dir="$TOFU_HOME/versions/$TOFU_VERSION"
tofu="$dir/tofu"

tofu_ok() {
    [ -x "$1" ] && "$1" version 2>/dev/null | head -n1 | grep -qx "OpenTofu v$TOFU_VERSION"
}

if [ "$force" = 0 ] && tofu_ok "$tofu"; then
    say "cached: OpenTofu v$TOFU_VERSION in $tofu"
    exit 0
fi

# --- Go --------------------------------------------------------------------
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"
find_go "[setup-tofu]" "to build OpenTofu (its go.mod asks for it; with OpenTofu $TOFU_VERSION installed, set TOFU to it instead)"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
say "using $GO ($go_version); GOPROXY=$("$GO" env GOPROXY)"

mkdir -p "$dir" || die "cannot create $dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/setup-tofu.XXXXXX")
cleanup() {
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
    rm -f "$dir"/.tofu.partial
}
trap cleanup EXIT

start=$SECONDS
say "downloading the module github.com/opentofu/opentofu@v$TOFU_VERSION..."
# Outside any module, `go mod download module@version` fetches it into the module cache.
src=$(cd "$work" && GO111MODULE=on "$GO" mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
[ -n "$src" ] && [ -f "$src/go.mod" ] ||
    die "downloading github.com/opentofu/opentofu@v$TOFU_VERSION failed. Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"

# The module cache is read-only; the build needs the module as the main module (for its
# replace directives), so it is built from a writable copy.
cp -R "$src" "$work/opentofu"
chmod -R u+w "$work/opentofu"
say "compiling tofu (first build: ~5-15 min; module downloaded in $((SECONDS - start))s)..."
(cd "$work/opentofu" && "$GO" build -trimpath \
    -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$work/tofu" ./cmd/tofu >"$work/build.log" 2>&1) || {
    tail -n 30 "$work/build.log" >&2
    die "compiling OpenTofu failed (see above). Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
}
tofu_ok "$work/tofu" || die "the freshly built tofu does not report OpenTofu v$TOFU_VERSION: $("$work/tofu" version 2>&1 | head -n1)"
cp "$work/tofu" "$dir/.tofu.partial" && chmod 0755 "$dir/.tofu.partial" && mv -f "$dir/.tofu.partial" "$tofu" ||
    die "could not install tofu into $dir"
say "built OpenTofu v$TOFU_VERSION in $((SECONDS - start))s"
say "done: $tofu"
