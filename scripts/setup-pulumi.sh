#!/usr/bin/env bash
# setup-pulumi.sh: build and cache the Pulumi CLI this project's tests and
# demo run, without needing pulumi.com downloads.
#
# Installs into $PULUMI_HOME/versions/$PULUMI_CLI_VERSION/bin/ (PULUMI_HOME
# defaults to <repo>/.pulumi-home, which git ignores):
#   pulumi                         the CLI, built from the Go module
#                                  github.com/pulumi/pulumi/pkg/v3@v3.259.0
#   pulumi-language-nodejs         our Node.js language host (tools/pulumi-language-nodejs;
#                                  the upstream one isn't on the Go module proxy)
#   pulumi-resource-pulumi-nodejs  launcher for dynamic providers (tools/)
#   pulumi-language-yaml           the YAML language host, built from the Go module
#                                  github.com/pulumi/pulumi-yaml@v1.25.0 (its own go.mod)
# That layout is also what the npm `pulumi` launcher package expects.
#
# Needs: Go >= 1.25.11 (on PATH, or /usr/local/go/bin/go, or $GO) and access
# to a Go module proxy.  Builds with CGO_ENABLED=0, so no C compiler is needed.
# A `pulumi` already on PATH is ignored on purpose: the project pins the CLI
# version to the @pulumi/pulumi SDK it uses, so we always install our own.
#
# Usage: scripts/setup-pulumi.sh [--force]
#   Safe to rerun: when everything is installed and current it says so and
#   exits.  If tools/ changed since the last run only the small host is
#   rebuilt (the CLI and the YAML host only when missing or of another
#   version).  --force rebuilds everything.  Each file is built in a temporary
#   place and moved into place with a rename, and a stamp file is written
#   last, so an interrupted run never leaves a half-written cache that looks
#   complete.  Nothing is written outside PULUMI_HOME and a temporary
#   directory, apart from Go's module and build caches.
set -euo pipefail

PULUMI_CLI_VERSION=3.259.0
PULUMI_YAML_VERSION=1.25.0
MIN_GO=1.25.11

say() { printf '[setup-pulumi] %s\n' "$*"; }
die() { printf '[setup-pulumi] ERROR: %s\n' "$*" >&2; exit 1; }

force=0
for arg in "$@"; do
    case "$arg" in
    --force) force=1 ;;
    -h | --help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (usage: $0 [--force])" ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PULUMI_HOME=${PULUMI_HOME:-$repo/.pulumi-home}
bin="$PULUMI_HOME/versions/$PULUMI_CLI_VERSION/bin"
stamp="$bin/.agent-alias-setup"
host_src="$repo/tools/pulumi-language-nodejs"
launcher_src="$repo/tools/pulumi-resource-pulumi-nodejs"

[ -f "$host_src/main.go" ] || die "missing $host_src/main.go (run this script from the repository)"
[ -f "$launcher_src" ] || die "missing $launcher_src"

# Fingerprint of our own sources: when it changes, the host/launcher are
# reinstalled (the CLI is only rebuilt if missing, wrong version or --force).
# The host builds with the hosts' shared package (tools/pulumi-language-hosts/host).
shared_src="$repo/tools/pulumi-language-hosts"
fingerprint() {
    cat "$host_src/go.mod" "$host_src/go.sum" "$host_src"/*.go "$shared_src/go.mod" "$shared_src/host"/*.go "$launcher_src" |
        sha256sum | cut -d' ' -f1
}
want_stamp="cli=$PULUMI_CLI_VERSION yaml=$PULUMI_YAML_VERSION tools=$(fingerprint)"

cli_ok() {
    [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$PULUMI_CLI_VERSION" ]
}

if [ "$force" = 0 ] && cli_ok && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-language-yaml" ] &&
    [ -x "$bin/pulumi-resource-pulumi-nodejs" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
    say "cached: Pulumi CLI v$PULUMI_CLI_VERSION, language hosts (nodejs, yaml v$PULUMI_YAML_VERSION) and dynamic-provider launcher are up to date in $bin"
    exit 0
fi

if existing=$(command -v pulumi 2>/dev/null) && [ "$existing" != "$bin/pulumi" ]; then
    say "note: ignoring the pulumi on PATH ($existing); installing the pinned v$PULUMI_CLI_VERSION into $bin"
fi

# --- Go --------------------------------------------------------------------
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"
find_go "[setup-pulumi]" "to build the Pulumi CLI (the Pulumi SDK's go.mod asks for it)"
say "using $GO ($go_version); GOPROXY=$("$GO" env GOPROXY)"

mkdir -p "$bin" || die "cannot create $bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/setup-pulumi.XXXXXX")
cleanup() { rm -rf "$work"; rm -f "$bin"/.*.partial 2>/dev/null || true; }
trap cleanup EXIT

# install_file SRC NAME: move SRC into $bin/NAME with an atomic rename.
install_file() {
    cp "$1" "$bin/.$2.partial" && chmod 0755 "$bin/.$2.partial" && mv -f "$bin/.$2.partial" "$bin/$2"
}

# Any change invalidates the stamp until everything below succeeded.
rm -f "$stamp"

# --- Pulumi CLI ------------------------------------------------------------
if [ "$force" = 1 ] || ! cli_ok; then
    say "building the Pulumi CLI v$PULUMI_CLI_VERSION from github.com/pulumi/pulumi/pkg/v3 (first build: ~10-20 min; later: seconds to minutes)"
    mod="$work/cli"
    mkdir -p "$mod"
    # A throwaway module that depends on the CLI package.  The replace mirrors
    # the one in pkg/v3's own go.mod (replaces aren't inherited by dependents).
    cat >"$mod/go.mod" <<EOF
module agentalias.local/pulumi-cli-build

go $MIN_GO

require github.com/pulumi/pulumi/pkg/v3 v$PULUMI_CLI_VERSION

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
    cat >"$mod/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
    start=$SECONDS
    say "resolving modules (go mod tidy)..."
    (cd "$mod" && "$GO" mod tidy >"$work/tidy.log" 2>&1) || {
        tail -n 30 "$work/tidy.log" >&2
        die "resolving the Pulumi CLI's Go modules failed (see above). Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
    }
    say "compiling pulumi (modules resolved in $((SECONDS - start))s)..."
    (cd "$mod" && "$GO" build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION" \
        -o "$work/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >"$work/build.log" 2>&1) || {
        tail -n 30 "$work/build.log" >&2
        die "compiling the Pulumi CLI failed (see above)"
    }
    [ "$("$work/pulumi" version)" = "v$PULUMI_CLI_VERSION" ] || die "the freshly built pulumi does not report v$PULUMI_CLI_VERSION"
    install_file "$work/pulumi" pulumi || die "could not install pulumi into $bin"
    say "built pulumi in $((SECONDS - start))s"
else
    say "Pulumi CLI v$PULUMI_CLI_VERSION already built"
fi

# --- the YAML language host -------------------------------------------------
# Built from its module at its own go.mod (it pins an older pkg/v3 than the CLI, which is
# fine: a language host talks to the engine over gRPC).  `go version -m` reads the module
# version the binary was built from, so a host of another version is rebuilt.
# yaml_ok [FILE]: FILE (default: the installed host) is the YAML host of the pinned version.
yaml_ok() {
    local file=${1:-$bin/pulumi-language-yaml}
    [ -x "$file" ] &&
        "$GO" version -m "$file" 2>/dev/null |
        grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/pulumi/pulumi-yaml[[:space:]]+v$PULUMI_YAML_VERSION([[:space:]]|\$)"
}
if [ "$force" = 1 ] || ! yaml_ok; then
    start=$SECONDS
    say "building pulumi-language-yaml v$PULUMI_YAML_VERSION from github.com/pulumi/pulumi-yaml (first build: a few minutes)..."
    mkdir -p "$work/yaml-bin"
    # `go install pkg@version` builds the module with its own go.mod, outside any module of
    # ours; GOBIN keeps the result in the temporary directory until it is installed.
    (cd "$work" && GOBIN="$work/yaml-bin" "$GO" install -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
        "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION" >"$work/yaml.log" 2>&1) || {
        tail -n 30 "$work/yaml.log" >&2
        die "building the YAML language host failed (see above). Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
    }
    yaml_ok "$work/yaml-bin/pulumi-language-yaml" ||
        die "the freshly built pulumi-language-yaml does not report module version v$PULUMI_YAML_VERSION"
    install_file "$work/yaml-bin/pulumi-language-yaml" pulumi-language-yaml || die "could not install pulumi-language-yaml into $bin"
    say "built pulumi-language-yaml in $((SECONDS - start))s"
else
    say "pulumi-language-yaml v$PULUMI_YAML_VERSION already built"
fi

# --- our language host and dynamic-provider launcher ------------------------
start=$SECONDS
say "building pulumi-language-nodejs from tools/pulumi-language-nodejs..."
(cd "$host_src" && "$GO" build -trimpath -ldflags "-s -w -X main.version=$PULUMI_CLI_VERSION" \
    -o "$work/pulumi-language-nodejs" . >"$work/host.log" 2>&1) || {
    tail -n 30 "$work/host.log" >&2
    die "compiling the Node.js language host (tools/pulumi-language-nodejs) failed (see above)"
}
install_file "$work/pulumi-language-nodejs" pulumi-language-nodejs || die "could not install pulumi-language-nodejs into $bin"
install_file "$launcher_src" pulumi-resource-pulumi-nodejs || die "could not install pulumi-resource-pulumi-nodejs into $bin"
say "built language host in $((SECONDS - start))s"

printf '%s\n' "$want_stamp" >"$stamp.partial" && mv -f "$stamp.partial" "$stamp"
say "done: $bin"
say "run the CLI with scripts/pulumi.sh, or put $bin on PATH (with Node.js >= 22 first on PATH, or PULUMI_NODEJS_NODE set)"
