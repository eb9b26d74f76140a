#!/usr/bin/env bash
# setup-language-hosts.sh: build this project's minimal Python and Go language hosts
# (tools/pulumi-language-hosts: test tooling, not shipped; Pulumi's own hosts for those
# languages are not on the Go module proxy) and install them beside the Pulumi CLI that
# scripts/setup-pulumi.sh built, in $PULUMI_HOME/versions/$PULUMI_CLI_VERSION/bin/:
#   pulumi-language-python   runs `runtime: python` programs (needs python3 or a virtualenv)
#   pulumi-language-go       runs `runtime: go` programs (needs go to build them)
# `npm run setup:pulumi` runs it after setup-pulumi.sh.
#
# Safe to rerun: a stamp (a hash of the sources and the Go version) says when the installed
# hosts are current; each binary is built in a temporary folder and renamed into place, and
# the stamp is written last.
#
# Needs: Go >= 1.25.11 (on PATH, or /usr/local/go/bin/go, or $GO) and the Go module proxy
# (the modules are the CLI's, so after setup-pulumi.sh they are cached).
set -euo pipefail

PULUMI_CLI_VERSION=3.259.0
MIN_GO=1.25.11

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"

say() { printf '[setup-language-hosts] %s\n' "$*"; }

PULUMI_HOME=${PULUMI_HOME:-$repo/.pulumi-home}
bin="$PULUMI_HOME/versions/$PULUMI_CLI_VERSION/bin"
src="$repo/tools/pulumi-language-hosts"
stamp="$bin/.agent-alias-language-hosts"
[ -x "$bin/pulumi" ] || { say "ERROR: no Pulumi CLI in $bin: run scripts/setup-pulumi.sh first" >&2; exit 1; }

find_go "[setup-language-hosts]"
want="$GO_VERSION $(cd "$src" && find . -type f \( -name '*.go' -o -name '*.py' -o -name 'go.mod' -o -name 'go.sum' \) | sort | xargs cat | sha256sum | cut -d' ' -f1)"
if [ -x "$bin/pulumi-language-python" ] && [ -x "$bin/pulumi-language-go" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "cached: pulumi-language-python and pulumi-language-go are up to date in $bin"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/setup-language-hosts.XXXXXX")
trap 'rm -rf "$work"; rm -f "$bin"/.pulumi-language-*.partial' EXIT
rm -f "$stamp"
start=$SECONDS
for lang in python go; do
    pkg=$lang
    [ "$lang" = go ] && pkg=golang
    (cd "$src" && "$GO" build -trimpath -ldflags "-s -w -X main.version=$PULUMI_CLI_VERSION" \
        -o "$work/pulumi-language-$lang" "./$pkg") >"$work/build.log" 2>&1 || {
        tail -n 30 "$work/build.log" >&2
        say "ERROR: compiling tools/pulumi-language-hosts/$pkg failed (see above)" >&2
        exit 1
    }
    cp "$work/pulumi-language-$lang" "$bin/.pulumi-language-$lang.partial"
    mv -f "$bin/.pulumi-language-$lang.partial" "$bin/pulumi-language-$lang"
done
printf '%s\n' "$want" >"$stamp.partial" && mv -f "$stamp.partial" "$stamp"
say "built pulumi-language-python and pulumi-language-go in $((SECONDS - start))s into $bin"
