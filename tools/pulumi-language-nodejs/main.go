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
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

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

	// bailExitCode is what the SDK's run script exits with after it has
	// already shown the user an actionable error; the engine should then stop
	// quietly ("bail") instead of printing a second, generic error.
	bailExitCode = 32

	// killGrace is how long a cancelled program gets after SIGINT before it
	// is killed.
	killGrace = 5 * time.Second
)

func main() {
	// The engine may pass glog-style flags (--logtostderr, -v=N, registered
	// on flag.CommandLine by the logging package) and --tracing.
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint (passed on to the program)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	logging.InitLogging(false, 0, false)

	engineAddress := ""
	if flag.NArg() > 0 {
		engineAddress = flag.Arg(0)
	}

	// Stop serving on SIGINT, or when the engine goes away.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fatalf("could not start the engine health check: %v", err)
		}
	}
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	host := newHost(engineAddress, *tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fatalf("could not start the language host gRPC server: %v", err)
	}

	// The engine reads exactly this line to learn where to connect.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fatalf("language host gRPC server stopped: %v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	os.Exit(1)
}

// host implements pulumirpc.LanguageRuntimeServer.  Embedding the
// Unimplemented server makes every RPC we don't define answer Unimplemented.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string

	// cancelled is closed by the Cancel RPC; running programs are stopped.
	cancelled  chan struct{}
	cancelOnce sync.Once
}

func newHost(engineAddress, tracing string) *host {
	return &host{engineAddress: engineAddress, tracing: tracing, cancelled: make(chan struct{})}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// ---------------------------------------------------------------------------
// Small RPCs

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Handshake is sent by engines that start the host without a positional
// engine address (e.g. when attaching to an already running host).
func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelOnce.Do(func() { close(h.cancelled) })
	return &emptypb.Empty{}, nil
}

// RuntimeOptionsPrompts: `pulumi new` may ask which options to prompt for.
// We only support npm, so there is nothing to ask.
func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// Template: called after `pulumi new` lays out a template; nothing to adjust.
func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

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
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: v, Server: p.Pulumi.Server}, nil
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
	fail := func(err error) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd() //nolint:staticcheck // older engines
	}
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
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", h.engine())
	flagIf("organization", req.GetOrganization())
	flagIf("project", req.GetProject())
	flagIf("root-directory", info.GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", programDir)
	flagIf("tracing", h.tracing)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// Configuration travels in the environment.  Keys are "<namespace>:<name>",
	// which the SDK reads as-is.
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return fail(fmt.Errorf("serializing configuration: %w", err))
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return fail(fmt.Errorf("serializing secret configuration keys: %w", err))
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON),
	)
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
	// Wrap our stdout/stderr in plain io.Writers so exec copies through a
	// goroutine instead of handing node our file descriptors: node may switch
	// its std streams to non-blocking mode, which would then break our own
	// writes to them.  Wait() returns only after all output is copied.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("could not start %s: %w", node, err))
	}

	// Stop the program if the engine cancels (Cancel RPC) or abandons the
	// request: SIGINT first so the SDK can shut down, then kill.
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
			return
		case <-h.cancelled:
		case <-ctx.Done():
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(killGrace):
			_ = cmd.Process.Kill()
		}
	}()
	err = cmd.Wait()
	close(done)

	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case bailExitCode:
			// The SDK has already reported the error to the engine.
			return &pulumirpc.RunResponse{Bail: true}, nil
		case -1:
			return fail(fmt.Errorf("program was terminated: %v", exitErr))
		default:
			return fail(fmt.Errorf("program exited with non-zero exit code: %d", code))
		}
	}
	return fail(fmt.Errorf("problem running program with %s: %w", node, err))
}
