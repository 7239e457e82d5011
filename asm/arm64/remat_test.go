package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRematerializedKernels lowers every program with no constant pinned,
// so that every constant is broadcast again before each use (the path a
// program takes when it does not fit in the registers), and runs package
// kernel's NEON tests, the golden values and Run against Step (so both
// sections of each step kernel) on the result under qemu-aarch64, in a copy
// of the library.
func TestRematerializedKernels(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Skip("qemu-aarch64 not found (Debian: apt-get install qemu-user); the rematerializing lowering is not run")
	}
	defer func(n int) { pinLimit = n }(pinLimit)
	pinLimit = 0
	s, decl, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s), "loop2:") {
		t.Fatal("no kernel is unrolled even with every register free")
	}

	// Copy the library (not asm/, not .git) and replace its NEON kernels.
	root, dir := filepath.Join(kernelDir, ".."), t.TempDir()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
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
	if err := os.WriteFile(filepath.Join(dir, "kernel", "step_arm64.s"), s, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel", "step_arm64.go"), decl, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "-short", "-exec", qemu, "-run", "NEON|Golden|TestRunMatchesSteps", "./kernel")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kernel tests with rematerialized constants: %v\n%s", err, out)
	}
}
