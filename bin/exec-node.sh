# exec-node.sh: the shared end of this package's plugin launchers (pulumi-resource-agent-alias,
# terraform-provider-agentalias), sourced by them, never run. It finds a Node.js the package
# runs on (bin/node-version.js: package.json's engines) and `exec`s it on the plugin's
# JavaScript, so the host's pid is the plugin's and the host can stop it by killing it.
#
# The launcher sets: me (its name, for messages), root (the package's real folder), main (the
# plugin's entry, under dist/), override_name and override (the variable naming a Node.js to
# use, and its value), then sources this file with the host's arguments.
#
# Node.js: $override if set (it must be new enough), else `node` on PATH if it is, else the
# npm `node` package's binary (node_modules/node/bin/node) in this package or in any
# node_modules folder above it (npm hoists dependencies).

if [ ! -f "$main" ]; then
    echo "$me: $main is missing; run 'npm run build' in $root" >&2
    exit 1
fi

# node_ok NODE: NODE runs and is a Node.js the package runs on (the check of bin/node-version.js).
node_ok() {
    AGENT_ALIAS_NODE_CHECK="$root/bin/node-version.js" "$1" --input-type=module -e '
const { nodeVersionProblem } = await import(process.env.AGENT_ALIAS_NODE_CHECK);
process.exit(nodeVersionProblem(process.versions.node) ? 1 : 0);' >/dev/null 2>&1
}
needed=$(sed -n 's/^export const NEEDED = \[\([0-9]*\), \([0-9]*\)\];$/\1.\2/p' "$root/bin/node-version.js")

node=
if [ -n "$override" ]; then
    if ! node_ok "$override"; then
        echo "$me: $override_name=$override is not Node.js $needed or newer" >&2
        exit 1
    fi
    node=$override
elif command -v node >/dev/null 2>&1 && node_ok node; then
    node=node
else
    dir=$root
    while :; do
        candidate="$dir/node_modules/node/bin/node"
        if [ -x "$candidate" ] && node_ok "$candidate"; then
            node=$candidate
            break
        fi
        [ "$dir" = / ] && break
        dir=$(dirname "$dir")
    done
fi
if [ -z "$node" ]; then
    echo "$me: needs Node.js $needed or newer: put it on PATH, set $override_name, or install the npm package 'node' beside this package" >&2
    exit 1
fi

# The host's pid (the launcher's parent; after exec, the plugin's): the plugin exits when it is gone.
AGENT_ALIAS_ENGINE_PID=$PPID exec "$node" "$main" "$@"
