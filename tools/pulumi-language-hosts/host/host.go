// Package host is what this project's minimal Pulumi language hosts share (test tooling, not
// shipped; scripts/setup-language-hosts.sh installs them beside the CLI): serving the
// LanguageRuntime gRPC service the way the engine starts a host, the small RPCs, the program's
// configuration in the environment, and running the program as a child process that the
// engine can cancel.
//
// The engine starts a host as `pulumi-language-<runtime> [--logtostderr] [-v=N] [--tracing URL]
// ENGINE-ADDRESS` in the program's folder and reads one line from its stdout: the port of the
// gRPC server on 127.0.0.1. It then calls GetRequiredPackages and Run (once per preview,
// update, refresh or destroy). A program reports its own errors to the engine and then exits
// with BailExitCode; Run answers that as Bail, any other failure as RunResponse.Error.
package host

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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// BailExitCode is what a program exits with once it has shown the user its error itself (the
// SDKs' constant.ExitStatusLoggedError); the engine then stops without a second message.
const BailExitCode = 32

// killGrace is how long a cancelled program has after SIGINT before it is killed.
const killGrace = 5 * time.Second

// Base holds the engine's address and the cancellation every host needs, and answers the
// small RPCs; a host embeds it and adds Run and GetRequiredPackages. Every RPC neither defines
// answers Unimplemented.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	// Version is what GetPluginInfo reports.
	Version string

	mu            sync.Mutex
	engineAddress string
	// Tracing is the engine's --tracing endpoint, passed on to programs that take it.
	Tracing string

	cancelled  chan struct{}
	cancelOnce sync.Once
}

// NewBase makes the shared part of a host started with an engine address (maybe empty: the
// engine then sends it in Handshake).
func NewBase(version, engineAddress, tracing string) *Base {
	return &Base{Version: version, engineAddress: engineAddress, Tracing: tracing, cancelled: make(chan struct{})}
}

// Engine is the engine's gRPC address.
func (b *Base) Engine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.engineAddress
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

// Handshake is sent by engines that start a host without an engine address.
func (b *Base) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	b.mu.Lock()
	b.engineAddress = req.GetEngineAddress()
	b.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// Cancel stops every program running and every later Run.
func (b *Base) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	b.cancelOnce.Do(func() { close(b.cancelled) })
	return &emptypb.Empty{}, nil
}

// RuntimeOptionsPrompts: `pulumi new` may ask which options to prompt for; there are none.
func (b *Base) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// Template: called after `pulumi new` lays out a template; nothing to adjust.
func (b *Base) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

// Package is a resource plugin a program needs, its version with the `v` the engine expects.
func Package(name, version, server string) *pulumirpc.PackageDependency {
	if version != "" && !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	return &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: version, Server: server}
}

// Serve runs a host: parses the engine's flags, serves the server that newServer makes (given
// the shared part, at version, with the engine's address and --tracing) on a free port,
// prints the port, and returns when the engine cancels or goes away. A failure to start exits
// 1 with a message naming the host.
func Serve(name, version string, newServer func(*Base) pulumirpc.LanguageRuntimeServer) {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint")
	flag.Parse()
	logging.InitLogging(false, 0, false)
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, name+": "+format+"\n", args...)
		os.Exit(1)
	}

	engineAddress := flag.Arg(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fail("could not start the engine health check: %v", err)
		}
	}
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()
	server := newServer(NewBase(version, engineAddress, *tracing))
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, server)
			return nil
		},
	})
	if err != nil {
		fail("could not start the gRPC server: %v", err)
	}
	// The engine reads exactly this line to learn where to connect.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail("gRPC server stopped: %v", err)
	}
}

// ConfigEnv is the stack's configuration as the SDKs read it from the environment:
// PULUMI_CONFIG (a JSON object of "<namespace>:<key>" to value) and PULUMI_CONFIG_SECRET_KEYS
// (a JSON array of the keys that are secret).
func ConfigEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("serializing configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret configuration keys: %w", err)
	}
	return []string{"PULUMI_CONFIG=" + string(configJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretJSON)}, nil
}

// Failed is Run's answer to a program that could not run: the engine prints it as an error.
func Failed(err error) *pulumirpc.RunResponse {
	return &pulumirpc.RunResponse{Error: err.Error()}
}

// RunProgram runs cmd (its output copied to the host's, which the engine shows) until it ends,
// the engine cancels, or ctx ends (SIGINT, then a kill after a grace period), and answers as
// Run does: nothing on exit 0, Bail on BailExitCode, else the failure.
func (b *Base) RunProgram(ctx context.Context, cmd *exec.Cmd) *pulumirpc.RunResponse {
	// Plain io.Writers, so exec copies through a goroutine instead of handing the child our
	// descriptors (a child may make them non-blocking, which breaks our own writes).
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	if err := cmd.Start(); err != nil {
		return Failed(fmt.Errorf("could not start %s: %w", cmd.Path, err))
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
			return
		case <-b.cancelled:
		case <-ctx.Done():
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(killGrace):
			_ = cmd.Process.Kill()
		}
	}()
	err := cmd.Wait()
	close(done)
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case BailExitCode:
			return &pulumirpc.RunResponse{Bail: true}
		case -1:
			return Failed(fmt.Errorf("program was terminated: %v", exitErr))
		default:
			return Failed(fmt.Errorf("program exited with non-zero exit code: %d", code))
		}
	}
	return Failed(fmt.Errorf("problem running %s: %w", cmd.Path, err))
}

// RunFlags are the run scripts' flags for one Run (Node.js's @pulumi/pulumi/cmd/run and the
// Python host's run.py take the same): the engine's addresses, the stack, the program's
// folder (--pwd), tracing, parallelism and --dry-run; empty values are left out.
func (b *Base) RunFlags(req *pulumirpc.RunRequest, programDir string) []string {
	var args []string
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", b.Engine())
	flagIf("organization", req.GetOrganization())
	flagIf("project", req.GetProject())
	flagIf("root-directory", req.GetInfo().GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", programDir)
	flagIf("tracing", b.Tracing)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	return args
}

// Options are a program's `runtime.options` from Pulumi.yaml.
type Options map[string]any

// OptionsOf reads the runtime options of a program.
func OptionsOf(info *pulumirpc.ProgramInfo) Options {
	return info.GetOptions().AsMap()
}

// String is a string option, "" when absent; another type is an error naming the option.
func (o Options) String(name string) (string, error) {
	v, ok := o[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("runtime option `%s` must be a string", name)
	}
	return s, nil
}

// ProgramDir is the program's folder (older engines send it as Pwd).
func ProgramDir(req *pulumirpc.RunRequest) string {
	if dir := req.GetInfo().GetProgramDirectory(); dir != "" {
		return dir
	}
	return req.GetPwd() //nolint:staticcheck // older engines
}
