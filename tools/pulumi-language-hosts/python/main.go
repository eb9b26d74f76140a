// Command pulumi-language-python is this project's minimal Pulumi language host for Python
// programs (test tooling: Pulumi's own host is not on the Go module proxy). It implements what
// preview, up, refresh and destroy need: Run and GetRequiredPackages, and the small RPCs of
// package host; the rest answers Unimplemented (no `pulumi new`, `install`, `about`).
//
// Python: `<virtualenv>/bin/python` when Pulumi.yaml's runtime options name a `virtualenv`
// (relative to the program's folder), else $PULUMI_PYTHON_CMD, else `python3` on PATH. It needs
// the `pulumi` package installed; Run runs the program through run.py (embedded), which starts
// the SDK's stack and runs the program's file (`main`, default __main__.py) as __main__.
//
// GetRequiredPackages lists the resource plugins that installed distributions declare in a
// pulumi-plugin.json (name, version, download server), as generated SDKs ship them.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"agentalias.local/pulumi-language-hosts/host"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is reported by GetPluginInfo; the setup script sets it with -ldflags.
var version = "0.0.0"

//go:embed run.py
var runScript string

// pluginsScript prints the resource plugins of the installed distributions as JSON.
const pluginsScript = `
import importlib.metadata as m, json
out = []
for d in m.distributions():
    for f in d.files or []:
        if f.name == "pulumi-plugin.json":
            p = json.loads(f.read_text())
            if p.get("resource"):
                out.append({"name": p["name"], "version": p.get("version") or d.version, "server": p.get("server", "")})
print(json.dumps(out))
`

type pythonHost struct{ *host.Base }

func main() {
	host.Serve("pulumi-language-python", version, func(b *host.Base) pulumirpc.LanguageRuntimeServer {
		return &pythonHost{b}
	})
}

// python is the interpreter for a program in dir with the given runtime options.
func python(dir string, opts host.Options) (string, error) {
	venv, err := opts.String("virtualenv")
	if err != nil {
		return "", err
	}
	if venv != "" {
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(dir, venv)
		}
		bin := filepath.Join(venv, "bin", "python")
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("the virtualenv %s has no bin/python: create it (python3 -m venv %s) and install the program's requirements", venv, venv)
		}
		return bin, nil
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return exec.LookPath(cmd)
	}
	path, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("no python3 on PATH (or set PULUMI_PYTHON_CMD, or a virtualenv in Pulumi.yaml): %w", err)
	}
	return path, nil
}

func (h *pythonHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	info := req.GetInfo()
	py, err := python(info.GetProgramDirectory(), host.OptionsOf(info))
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(py, "-c", pluginsScript).Output()
	if err != nil {
		return nil, fmt.Errorf("listing the plugins of %s's packages: %w", py, err)
	}
	var plugins []struct{ Name, Version, Server string }
	if err := json.Unmarshal(out, &plugins); err != nil {
		return nil, fmt.Errorf("reading the plugins of %s's packages: %w", py, err)
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range plugins {
		resp.Packages = append(resp.Packages, host.Package(p.Name, p.Version, p.Server))
	}
	return resp, nil
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := host.ProgramDir(req)
	info := req.GetInfo()
	py, err := python(dir, host.OptionsOf(info))
	if err != nil {
		return host.Failed(err), nil
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args := append([]string{"-u", "-c", runScript}, h.RunFlags(req, dir)...)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env, err := host.ConfigEnv(req)
	if err != nil {
		return host.Failed(err), nil
	}
	cmd := exec.Command(py, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return h.RunProgram(ctx, cmd), nil
}
