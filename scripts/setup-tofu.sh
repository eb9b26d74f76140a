#!/usr/bin/env bash
# setup-tofu.sh: build and cache the two Terraform CLIs that the Terraform/OpenTofu tests,
# examples and benchmarks run, without downloads from outside the Go module proxy:
#
#   $TOFU_HOME/versions/1.10.6/tofu           OpenTofu, from github.com/opentofu/opentofu@v1.10.6
#   $TOFU_HOME/terraform/1.13.3/terraform     HashiCorp Terraform, from
#                                             github.com/hashicorp/terraform@v1.13.3
#
# (TOFU_HOME defaults to <repo>/.tofu-home, beside the Pulumi CLI's <repo>/.pulumi-home; git
# ignores both.) `go install module@version` refuses both modules (their go.mod have `replace`
# directives), so each module is downloaded with the go command and built in a writable copy,
# as their DEVELOPERS.md/BUILDING.md do. Terraform's module leaves out its state backends that
# are modules of their own (azurerm, consul, cos, gcs, kubernetes, oci, oss, pg, s3: the proxy
# does not serve them), so it is built without those nine: local, http, inmem, remote and
# cloud stay, and everything between Terraform and a provider is Terraform's own code.
#
# Needs: Go >= 1.24.6 (on PATH, or /usr/local/go/bin/go, or $GO) and a Go module proxy.
# Builds with CGO_ENABLED=0, so no C compiler is needed. A `tofu` or `terraform` already on
# PATH is ignored on purpose: the tests pin the versions.
#
# Usage: scripts/setup-tofu.sh [--force]
#   Safe to rerun: when the pinned versions are installed it says so and exits (a second or
#   so). Each binary is built in a temporary folder and renamed into place, so an interrupted
#   run never leaves a half-written binary. First build: ~5-15 min each on 2 cores.
set -euo pipefail

TOFU_VERSION=1.10.6
TERRAFORM_VERSION=1.13.3
MIN_GO=1.24.6

say() { printf '[setup-tofu] %s\n' "$*"; }
die() { printf '[setup-tofu] ERROR: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
    case "$arg" in
    --force) force=1 ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (usage: $0 [--force])" ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOFU_HOME=${TOFU_HOME:-$repo/.tofu-home}
tofu="$TOFU_HOME/versions/$TOFU_VERSION/tofu"
terraform="$TOFU_HOME/terraform/$TERRAFORM_VERSION/terraform"

# cli_ok BINARY FIRST-LINE: the binary runs and its `version` starts with that line.
cli_ok() {
    [ -x "$1" ] && "$1" version 2>/dev/null | head -n1 | grep -qx "$2"
}

todo=()
if [ "$force" = 1 ] || ! cli_ok "$tofu" "OpenTofu v$TOFU_VERSION"; then todo+=(tofu); else say "cached: OpenTofu v$TOFU_VERSION in $tofu"; fi
if [ "$force" = 1 ] || ! cli_ok "$terraform" "Terraform v$TERRAFORM_VERSION"; then todo+=(terraform); else say "cached: Terraform v$TERRAFORM_VERSION in $terraform"; fi
[ "${#todo[@]}" = 0 ] && exit 0

# --- Go --------------------------------------------------------------------
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"
find_go "[setup-tofu]" "to build OpenTofu and Terraform (their go.mod ask for it)"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
say "using $GO ($go_version); GOPROXY=$("$GO" env GOPROXY)"

work=$(mktemp -d "${TMPDIR:-/tmp}/setup-tofu.XXXXXX")
cleanup() {
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# build NAME MODULE VERSION PACKAGE LDFLAGS TARGET FIRST-LINE [PATCH-FUNCTION]
build() {
    local name=$1 module=$2 version=$3 package=$4 ldflags=$5 target=$6 first=$7 patch=${8:-}
    local start=$SECONDS copy="$work/$name-src" src
    say "downloading the module $module@v$version..."
    # Outside any module, `go mod download module@version` fetches it into the module cache.
    src=$(cd "$work" && GO111MODULE=on "$GO" mod download -json "$module@v$version" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
    [ -n "$src" ] && [ -f "$src/go.mod" ] ||
        die "downloading $module@v$version failed. Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
    # The module cache is read-only; the build needs the module as the main module (for its
    # replace directives), so it is built from a writable copy.
    cp -R "$src" "$copy"
    chmod -R u+w "$copy"
    [ -z "$patch" ] || "$patch" "$copy"
    say "compiling $name (first build: ~5-15 min; module downloaded in $((SECONDS - start))s)..."
    (cd "$copy" && "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$work/$name" "$package" >"$work/$name.log" 2>&1) || {
        tail -n 30 "$work/$name.log" >&2
        die "compiling $name failed (see above). Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
    }
    cli_ok "$work/$name" "$first" || die "the freshly built $name does not report $first: $("$work/$name" version 2>&1 | head -n1)"
    mkdir -p "$(dirname "$target")" || die "cannot create $(dirname "$target")"
    cp "$work/$name" "$target.partial" && chmod 0755 "$target.partial" && mv -f "$target.partial" "$target" ||
        die "could not install $name into $(dirname "$target")"
    say "built $first in $((SECONDS - start))s: $target"
}

# Terraform without the state backends that are modules of their own (not in its module zip).
without_module_backends() {
    local dir=$1 backends='azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3'
    sed -i.orig -E "/internal\/backend\/remote-state\/($backends)\"/d; /^[[:space:]]*\"($backends|azurerm)\": +func\(\) backend\.Backend/d" \
        "$dir/internal/backend/init/init.go"
    sed -i.orig -E "/internal\/backend\/remote-state\/($backends)( |$)/d; /hashicorp\/terraform\/internal\/legacy( |$)/d" "$dir/go.mod"
    ! grep -Eq "remote-state/($backends)\"" "$dir/internal/backend/init/init.go" ||
        die "Terraform's internal/backend/init/init.go is not as expected: the backends could not be left out"
}

for name in "${todo[@]}"; do
    case "$name" in
    tofu) build tofu github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu \
        "-X github.com/opentofu/opentofu/version.dev=no" "$tofu" "OpenTofu v$TOFU_VERSION" ;;
    terraform) build terraform github.com/hashicorp/terraform "$TERRAFORM_VERSION" . \
        "-X github.com/hashicorp/terraform/version.dev=no" "$terraform" "Terraform v$TERRAFORM_VERSION" without_module_backends ;;
    esac
done
say "done"
