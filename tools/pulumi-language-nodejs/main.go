// Command pulumi-language-nodejs is a small, self-written Pulumi "language host"
// for Node.js/TypeScript programs.
//
// Why this exists: the project must run the real `pulumi` CLI on machines that
// only reach the Go module proxy, the npm registry and Debian packages.  The
// CLI itself can be built from `github.com/pulumi/pulumi/pkg/v3`, but the
// upstream Node.js language host (module
// `github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3`) is not
// available from the module proxy at any version.  So we build this host
// instead, against `github.com/pulumi/pulumi/sdk/v3` only, and install it
// next to the CLI (see scripts/setup-pulumi.sh).  It is written from the
// LanguageRuntime gRPC contract, not copied from upstream, and implements only
// what `pulumi preview/up/refresh/destroy/config/stack/about/install` need.
//
// How the engine uses it:
//
//   - The engine starts `pulumi-language-nodejs [flags] <engine-address>`
//     (flags: --logtostderr, -v=N, --tracing URL) with the program directory
//     as working directory, and reads ONE line from our stdout: the TCP port
//     of the gRPC LanguageRuntime server we serve on 127.0.0.1.
//   - It then calls GetRequiredPackages (which provider plugins to load),
//     and Run, once per preview/update/destroy/refresh.  `pulumi about` calls
//     About/GetProgramDependencies, `pulumi install` calls InstallDependencies.
//   - Run launches `node <@pulumi/pulumi>/cmd/run/index.js --monitor ... <entry>`
//     with the configuration in the PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS
//     environment variables.  The Node.js SDK then talks to the engine's
//     resource monitor directly over gRPC; the program's stdout/stderr are
//     forwarded to ours, which the engine shows to the user.
//
// Implemented RPCs: GetPluginInfo, Handshake, GetRequiredPackages, Run,
// InstallDependencies (npm only), RuntimeOptionsPrompts (no prompts),
// About, GetProgramDependencies, Template (no-op) and Cancel.  Everything
// else (GetRequiredPlugins, RunPlugin, GenerateProgram/Project/Package, Pack,
// Link) answers codes.Unimplemented.
//
// Differences from upstream worth knowing:
//   - No "synchronous invoke" channel (the SDK's --sync pipes): programs must
//     use the normal asynchronous invokes.  Dynamic providers don't need it.
//   - Only the `node` runtime (no bun), no debugger attach, no tracing
//     propagation, no out-of-memory hinting, npm is the only package manager.
//
// Choosing Node.js: the host runs `node` found on PATH, unless the environment
// variable PULUMI_NODEJS_NODE names another executable.  The chosen Node.js
// must be at least version 22 (minNodeMajor), otherwise Run fails with a
// message saying how to fix it.  The dynamic-provider launcher
// (tools/pulumi-resource-pulumi-nodejs) follows the same rule.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	langhost "agentalias.local/pulumi-language-hosts/host"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is reported by GetPluginInfo; setup-pulumi.sh sets it to the CLI
// version with -ldflags "-X main.version=...".
var version = "3.259.0"

const (
	// nodeEnvVar overrides which Node.js executable runs programs.
	nodeEnvVar = "PULUMI_NODEJS_NODE"

	// minNodeMajor is the oldest Node.js major version we agree to run.
	minNodeMajor = 22

	// runModule is the SDK entry point that loads and runs a Pulumi program.
	runModule = "@pulumi/pulumi/cmd/run"
)

func main() {
	langhost.Serve("pulumi-language-nodejs", version, func(b *langhost.Base) pulumirpc.LanguageRuntimeServer {
		return &host{b}
	})
}

// host implements pulumirpc.LanguageRuntimeServer: the shared part (engine address,
// cancellation, the small RPCs) and what is Node.js's own below.
type host struct{ *langhost.Base }

func newHost(engineAddress, tracing string) *host {
	return &host{langhost.NewBase(version, engineAddress, tracing)}
}

// ---------------------------------------------------------------------------
// About and dependencies

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := findNode()
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	resp := &pulumirpc.AboutResponse{Executable: node, Metadata: map[string]string{"packagemanager": "npm"}}
	if v, err := nodeVersion(node); err == nil {
		resp.Version = v
	}
	return resp, nil
}

// GetProgramDependencies lists the program's direct npm dependencies with
// the versions installed in node_modules (or the declared range when the
// package isn't installed).
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	manifest, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	declared := map[string]string{}
	for name, rng := range manifest.Dependencies {
		declared[name] = rng
	}
	if req.GetTransitiveDependencies() {
		for name, rng := range manifest.DevDependencies {
			declared[name] = rng
		}
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, name := range names {
		v := declared[name]
		if installed, err := readPackageJSON(filepath.Join(dir, "node_modules", name, "package.json")); err == nil {
			v = installed.Version
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: name, Version: v})
	}
	return resp, nil
}

// ---------------------------------------------------------------------------
// GetRequiredPackages: find npm packages that declare a Pulumi resource
// plugin ({"pulumi": {"resource": true, ...}} in their package.json), so the
// engine can make sure those provider plugins are installed.  Dynamic
// providers are served by the bundled `pulumi-nodejs` plugin and need no
// entry here.

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	s := &pluginScan{visited: map[string]bool{}, seen: map[string]bool{}}
	s.scanNodeModules(filepath.Join(req.GetInfo().GetProgramDirectory(), "node_modules"))
	return &pulumirpc.GetRequiredPackagesResponse{Packages: s.found}, nil
}

// pluginScan visits package roots only (node_modules/<pkg>, node_modules/@scope/<pkg>
// and their nested node_modules), not every file, so large trees stay cheap.
// Errors only skip the package concerned: a missing plugin is reported later
// by the engine anyway.
type pluginScan struct {
	visited map[string]bool // real paths already scanned (symlink loops)
	seen    map[string]bool // name@version already reported
	found   []*pulumirpc.PackageDependency
}

func (s *pluginScan) scanNodeModules(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // usually: no node_modules here
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), "@") {
			scoped, err := os.ReadDir(path)
			if err != nil {
				continue
			}
			for _, se := range scoped {
				s.scanPackage(filepath.Join(path, se.Name()))
			}
		} else if !strings.HasPrefix(e.Name(), ".") {
			s.scanPackage(path)
		}
	}
}

func (s *pluginScan) scanPackage(dir string) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil || s.visited[real] {
		return
	}
	s.visited[real] = true
	if p, err := readPackageJSON(filepath.Join(real, "package.json")); err == nil && p.Pulumi.Resource {
		if dep, err := packageDependency(p); err != nil {
			logging.V(3).Infof("GetRequiredPackages: %s: %v", dir, err)
		} else if key := dep.Name + "@" + dep.Version; !s.seen[key] {
			s.seen[key] = true
			s.found = append(s.found, dep)
		}
	}
	s.scanNodeModules(filepath.Join(real, "node_modules"))
}

// packageDependency derives the plugin name and version the same way Pulumi
// provider SDKs publish them: an explicit pulumi.name, else the package name
// without the @pulumi/ scope; version from pulumi.version else the package's.
func packageDependency(p *packageJSON) (*pulumirpc.PackageDependency, error) {
	name := p.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(p.Name, "@pulumi/") {
			return nil, fmt.Errorf("package %q has pulumi.resource but no pulumi.name", p.Name)
		}
		name = strings.TrimPrefix(p.Name, "@pulumi/")
	}
	v := p.Pulumi.Version
	if v == "" {
		v = p.Version
	}
	if v == "" {
		return nil, fmt.Errorf("package %q has no version", p.Name)
	}
	return langhost.Package(name, v, p.Pulumi.Server), nil
}

// ---------------------------------------------------------------------------
// InstallDependencies (`pulumi install`, `pulumi new`): run `npm install` in
// the program directory, streaming its output back to the engine.

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() //nolint:staticcheck // older engines only send Directory
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("npm is needed to install dependencies but was not found on PATH: %w", err)
	}
	fmt.Fprintf(stdout, "Installing dependencies with npm in %s...\n", dir)
	cmd := exec.CommandContext(server.Context(), npm, "install")
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install failed: %w", err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}

// ---------------------------------------------------------------------------
// Choosing and checking Node.js

// findNode returns the Node.js executable to use: $PULUMI_NODEJS_NODE if set,
// else `node` from PATH.
func findNode() (string, error) {
	if v := os.Getenv(nodeEnvVar); v != "" {
		path, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%s=%s is not an executable: %w", nodeEnvVar, v, err)
		}
		return path, nil
	}
	path, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("could not find `node` on PATH (or set %s to a Node.js >= %d executable): %w",
			nodeEnvVar, minNodeMajor, err)
	}
	return path, nil
}

func nodeVersion(node string) (string, error) {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("running %s --version: %w", node, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// checkNode makes sure node is new enough; the answer is cached per path.
var nodeOK sync.Map // path -> struct{}

func checkNode(node string) error {
	if _, ok := nodeOK.Load(node); ok {
		return nil
	}
	v, err := nodeVersion(node)
	if err != nil {
		return err
	}
	majorStr, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	major, err := strconv.Atoi(majorStr)
	if err != nil {
		return fmt.Errorf("could not understand the version %q printed by %s", v, node)
	}
	if major < minNodeMajor {
		return fmt.Errorf("%s is Node.js %s, but Node.js >= %d is required: put a newer `node` first on PATH "+
			"(e.g. the project's node_modules/.bin) or set %s=/path/to/node", node, v, minNodeMajor, nodeEnvVar)
	}
	nodeOK.Store(node, struct{}{})
	return nil
}

// resolveModule asks node where `module` resolves to from dir, so that npm
// hoisting, workspaces and symlinks are handled exactly as Node.js would.
func resolveModule(node, dir, module string) (string, error) {
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)) } catch (e) { console.error(e.message); process.exit(1) }`,
		module)
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s (is @pulumi/pulumi installed? run `npm install`): %s",
			module, dir, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// ---------------------------------------------------------------------------
// Run: execute the program once.

// runOptions are the `runtime.options` of Pulumi.yaml we understand.
type runOptions struct {
	typescript bool     // run .ts sources through the SDK's ts-node (default true)
	tsconfig   string   // tsconfig path handed to the SDK
	nodeargs   []string // extra node flags, split on whitespace (no quoting)
}

func parseRunOptions(info *pulumirpc.ProgramInfo) (runOptions, error) {
	opts := runOptions{typescript: true}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("runtime option `typescript` must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option `tsconfig` must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("runtime option `nodeargs` must be a string")
		}
		opts.nodeargs = strings.Fields(s)
	}
	return opts, nil
}

// Run returns program failures in RunResponse.Error (the engine prints them
// as "error: ..."), not as gRPC errors.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	fail := func(err error) (*pulumirpc.RunResponse, error) { return langhost.Failed(err), nil }

	info := req.GetInfo()
	programDir := langhost.ProgramDir(req)
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() //nolint:staticcheck // older engines
	}
	if entry == "" {
		entry = "."
	}

	opts, err := parseRunOptions(info)
	if err != nil {
		return fail(err)
	}
	if req.GetAttachDebugger() {
		return fail(errors.New("attaching a debugger is not supported by this language host"))
	}
	node, err := findNode()
	if err != nil {
		return fail(err)
	}
	if err := checkNode(node); err != nil {
		return fail(err)
	}
	runScript, err := resolveModule(node, programDir, runModule)
	if err != nil {
		return fail(err)
	}

	// Command line understood by @pulumi/pulumi/cmd/run.
	args := append([]string{}, opts.nodeargs...)
	args = append(args, runScript)
	args = append(args, h.RunFlags(req, programDir)...)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// Configuration travels in the environment.  Keys are "<namespace>:<name>",
	// which the SDK reads as-is.
	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return fail(err)
	}
	env := append(os.Environ(), config...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	logging.V(5).Infof("running program: %s %s", node, strings.Join(args, " "))
	cmd := exec.Command(node, args...)
	cmd.Dir = programDir
	cmd.Env = env
	// Stopped if the engine cancels or abandons the request; exit 32 is the SDK's "already
	// reported" (Bail).
	return h.RunProgram(ctx, cmd), nil
}
