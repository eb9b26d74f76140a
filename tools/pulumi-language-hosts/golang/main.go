// Command pulumi-language-go is this project's minimal Pulumi language host for Go programs
// (test tooling: Pulumi's own host is not on the Go module proxy). It implements what preview,
// up, refresh and destroy need: Run and GetRequiredPackages, and the small RPCs of package
// host; the rest answers Unimplemented.
//
// Run compiles the program (`go build` in its folder, with the Go on PATH or $GO, into a
// temporary file) unless Pulumi.yaml's runtime options name a prebuilt `binary`, then runs it
// with the Go SDK's environment contract (PULUMI_MONITOR, PULUMI_ENGINE, PULUMI_PROJECT,
// PULUMI_STACK, PULUMI_ORGANIZATION, PULUMI_ROOT_DIRECTORY, PULUMI_DRY_RUN, PULUMI_PARALLEL
// and the configuration). A compile error is Run's error.
//
// GetRequiredPackages lists the resource plugins that the program's modules declare in a
// pulumi-plugin.json at a module's root or one folder below it (where generated SDKs put it),
// as `go list -m -json all` finds the modules.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"agentalias.local/pulumi-language-hosts/host"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is reported by GetPluginInfo; the setup script sets it with -ldflags.
var version = "0.0.0"

type goHost struct{ *host.Base }

func main() {
	host.Serve("pulumi-language-go", version, func(b *host.Base) pulumirpc.LanguageRuntimeServer {
		return &goHost{b}
	})
}

func goTool() (string, error) {
	if g := os.Getenv("GO"); g != "" {
		return g, nil
	}
	path, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no `go` on PATH (or set GO) to build the program: %w", err)
	}
	return path, nil
}

type pluginFile struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// pluginsIn reads pulumi-plugin.json at dir and in its immediate subfolders.
func pluginsIn(dir string) []pluginFile {
	candidates := []string{filepath.Join(dir, "pulumi-plugin.json")}
	if more, err := filepath.Glob(filepath.Join(dir, "*", "pulumi-plugin.json")); err == nil {
		candidates = append(candidates, more...)
	}
	var out []pluginFile
	for _, file := range candidates {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var p pluginFile
		if json.Unmarshal(data, &p) == nil && p.Resource && p.Name != "" {
			out = append(out, p)
		}
	}
	return out
}

func (h *goHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	gobin, err := goTool()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(gobin, "list", "-m", "-json", "all")
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m all: %w: %s", err, stderr.String())
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	seen := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct{ Dir string }
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list's modules: %w", err)
		}
		if m.Dir == "" {
			continue
		}
		for _, p := range pluginsIn(m.Dir) {
			if dep := host.Package(p.Name, p.Version, p.Server); !seen[dep.Name+"@"+dep.Version] {
				seen[dep.Name+"@"+dep.Version] = true
				resp.Packages = append(resp.Packages, dep)
			}
		}
	}
	return resp, nil
}

func (h *goHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := host.ProgramDir(req)
	binary, err := host.OptionsOf(req.GetInfo()).String("binary")
	if err != nil {
		return host.Failed(err), nil
	}
	if binary == "" {
		gobin, err := goTool()
		if err != nil {
			return host.Failed(err), nil
		}
		tmp, err := os.MkdirTemp("", "pulumi-go-program-")
		if err != nil {
			return host.Failed(err), nil
		}
		defer os.RemoveAll(tmp)
		binary = filepath.Join(tmp, "program")
		build := exec.CommandContext(ctx, gobin, "build", "-o", binary, ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			return host.Failed(fmt.Errorf("go build in %s failed: %w\n%s", dir, err, out)), nil
		}
	} else if !filepath.IsAbs(binary) {
		binary = filepath.Join(dir, binary)
	}

	env, err := host.ConfigEnv(req)
	if err != nil {
		return host.Failed(err), nil
	}
	env = append(env,
		"PULUMI_MONITOR="+req.GetMonitorAddress(),
		"PULUMI_ENGINE="+h.Engine(),
		"PULUMI_PROJECT="+req.GetProject(),
		"PULUMI_STACK="+req.GetStack(),
		"PULUMI_ORGANIZATION="+req.GetOrganization(),
		"PULUMI_ROOT_DIRECTORY="+req.GetInfo().GetRootDirectory(),
		"PULUMI_DRY_RUN="+strconv.FormatBool(req.GetDryRun()),
		"PULUMI_PARALLEL="+strconv.Itoa(int(req.GetParallel())),
	)
	cmd := exec.Command(binary, req.GetArgs()...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return h.RunProgram(ctx, cmd), nil
}
