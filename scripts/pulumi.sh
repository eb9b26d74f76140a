#!/usr/bin/env bash
# pulumi.sh: run the project's cached Pulumi CLI (built by scripts/setup-pulumi.sh)
# with settings that work offline.  All arguments go to `pulumi`.
#
# Sets, unless already set in the environment:
#   PULUMI_HOME               <repo>/.pulumi-home (where setup-pulumi.sh installs)
#   PULUMI_BACKEND_URL        file://${TMPDIR:-/tmp}/pulumi-agent-alias-$UID/state
#                             (a local state folder that persists between runs)
#   PULUMI_CONFIG_PASSPHRASE  "agent-alias-local" (encrypts secrets in local stacks;
#                             only set if PULUMI_CONFIG_PASSPHRASE_FILE isn't)
# Always sets PULUMI_SKIP_UPDATE_CHECK=true, and puts <repo>/node_modules/.bin
# (the project's Node.js >= 22) and the CLI's bin directory first on PATH.
# PULUMI_NODEJS_NODE, if set, still overrides which node runs programs.
set -euo pipefail

PULUMI_CLI_VERSION=3.259.0
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export PULUMI_HOME=${PULUMI_HOME:-$repo/.pulumi-home}
bin="$PULUMI_HOME/versions/$PULUMI_CLI_VERSION/bin"
if [ ! -x "$bin/pulumi" ] || [ ! -x "$bin/pulumi-language-nodejs" ] || [ ! -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
    echo "pulumi.sh: the Pulumi CLI v$PULUMI_CLI_VERSION is not set up in $bin; run scripts/setup-pulumi.sh first" >&2
    exit 127
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
    state="${TMPDIR:-/tmp}/pulumi-agent-alias-$(id -u)/state"
    mkdir -p "$state"
    export PULUMI_BACKEND_URL="file://$state"
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    export PULUMI_CONFIG_PASSPHRASE=agent-alias-local
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PATH="$repo/node_modules/.bin:$bin:$PATH"

exec "$bin/pulumi" "$@"
