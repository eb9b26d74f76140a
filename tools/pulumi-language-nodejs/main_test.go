package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGetRequiredPackagesFindsProviderPackages(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeFile(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"), `{"name":"@pulumi/pulumi","version":"3.259.0"}`)
	writeFile(t, filepath.Join(nm, "@pulumi", "random", "package.json"),
		`{"name":"@pulumi/random","version":"4.16.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "thirdparty", "package.json"),
		`{"name":"thirdparty","version":"1.0.0","pulumi":{"resource":true,"name":"tp","version":"2.0.0","server":"https://example.test"}}`)
	// Nested copy (same plugin twice is reported once) and a broken package.
	writeFile(t, filepath.Join(nm, "thirdparty", "node_modules", "@pulumi", "random", "package.json"),
		`{"name":"@pulumi/random","version":"4.16.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "noname", "package.json"), `{"name":"noname","version":"1.0.0","pulumi":{"resource":true}}`)
	// A symlink loop must not hang the scan.
	if err := os.Symlink(dir, filepath.Join(nm, "loop")); err != nil {
		t.Fatal(err)
	}

	resp, err := newHost("", "").GetRequiredPackages(context.Background(), &pulumirpc.GetRequiredPackagesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range resp.Packages {
		got = append(got, p.Kind+":"+p.Name+"@"+p.Version+" "+p.Server)
	}
	sort.Strings(got)
	want := []string{"resource:random@v4.16.0 ", "resource:tp@v2.0.0 https://example.test"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestGetRequiredPackagesWithoutNodeModules(t *testing.T) {
	resp, err := newHost("", "").GetRequiredPackages(context.Background(), &pulumirpc.GetRequiredPackagesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: t.TempDir()},
	})
	if err != nil || len(resp.Packages) != 0 {
		t.Fatalf("got %v, %v", resp, err)
	}
}

func TestParseRunOptions(t *testing.T) {
	opts, err := parseRunOptions(&pulumirpc.ProgramInfo{})
	if err != nil || !opts.typescript || opts.tsconfig != "" || len(opts.nodeargs) != 0 {
		t.Fatalf("defaults: %+v %v", opts, err)
	}
	m, _ := structpb.NewStruct(map[string]any{
		"typescript": false, "tsconfig": "tsconfig.pulumi.json", "nodeargs": "--max-old-space-size=4096  --enable-source-maps",
	})
	opts, err = parseRunOptions(&pulumirpc.ProgramInfo{Options: m})
	if err != nil || opts.typescript || opts.tsconfig != "tsconfig.pulumi.json" || len(opts.nodeargs) != 2 {
		t.Fatalf("explicit: %+v %v", opts, err)
	}
	bad, _ := structpb.NewStruct(map[string]any{"typescript": "yes"})
	if _, err := parseRunOptions(&pulumirpc.ProgramInfo{Options: bad}); err == nil {
		t.Fatal("expected an error for a non-boolean typescript option")
	}
}

func TestCheckNodeRejectsOldNode(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "node")
	writeFile(t, fake, "#!/bin/sh\necho v20.1.0\n")
	if err := os.Chmod(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkNode(fake); err == nil {
		t.Fatal("expected Node.js 20 to be rejected")
	}
	newer := filepath.Join(dir, "node24")
	writeFile(t, newer, "#!/bin/sh\necho v24.9.0\n")
	if err := os.Chmod(newer, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkNode(newer); err != nil {
		t.Fatalf("Node.js 24 rejected: %v", err)
	}
}
