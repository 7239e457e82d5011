package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestSlotsRun lowers every kernel with every stream pointer in a stack
// slot and, in the step loops, the vectors' states parked on the stack
// (the addressing that a program with more streams than registers gets),
// and runs package kernel's path tests on them: every path against generic,
// the golden bits and Run, both sections of each step kernel.
func TestSlotsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates the kernels and runs the kernel tests")
	}
	defer func(n int, park bool) { streamPinLimit, alwaysPark = n, park }(streamPinLimit, alwaysPark)
	streamPinLimit, alwaysPark = 0, true
	f, jobs, err := compileAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		for _, cfg := range j.cfgs {
			if cfg.spins != 0 || cfg.sec == step.ManySteps && !cfg.park {
				t.Fatalf("%s: %v: streams pinned or states not parked", j.p.FuncName(j.isa.name), cfg)
			}
		}
	}
	files, _, err := printFile(f, jobs)
	if err != nil {
		t.Fatal(err)
	}
	runKernelTests(t, files, "TestPaths|TestGolden|TestRun")
}

// runKernelTests runs package kernel's tests that match run in a copy of
// the library (without asm/ and dot directories) with files written over
// package kernel's.
func runKernelTests(t *testing.T, files map[string][]byte, run string) {
	t.Helper()
	root, dir := filepath.Join(kernelDir, ".."), t.TempDir()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "asm" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "kernel", name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-count=1", "-short", "-run", run, "./kernel")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -run %s ./kernel: %v\n%s", run, err, out)
	}
}
