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
// kernel's NEON tests on the result.
func TestRematerializedKernels(t *testing.T) {
	defer func(n int) { pinLimit = n }(pinLimit)
	pinLimit = 0
	files, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[asmFile]), "loop2:") {
		t.Fatal("no kernel is unrolled even with every register free")
	}
	runKernelTests(t, files, "NEON|TestPaths|TestGolden|TestRun")
}

// TestPointerTable lowers every program with no stream or row pointer in a
// register, so that every access goes through the pointer table on the
// stack (the path a program takes when its pointers do not fit in the
// registers), and runs package kernel's NEON tests on the result.
func TestPointerTable(t *testing.T) {
	defer func(n int) { pointerLimit = n }(pointerLimit)
	pointerLimit = 0
	files, _, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(files[asmFile]), "NOSPLIT, $0-8") {
		t.Fatal("a kernel has no pointer table with no pointer in a register")
	}
	runKernelTests(t, files, "NEON|TestPaths|TestGolden|TestRun")
}

// runKernelTests runs package kernel's tests that match run (for the step
// kernels: its NEON tests, every path against generic, the golden values
// and Run, so both sections of each step kernel) under qemu-aarch64, in a
// copy of the library with files written to (or over) package kernel.
func runKernelTests(t *testing.T, files map[string][]byte, run string) {
	t.Helper()
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Skip("qemu-aarch64 not found (Debian: apt-get install qemu-user); the kernels are not run")
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
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "kernel", name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-count=1", "-short", "-v", "-exec", qemu, "-run", run, "./kernel")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0", "ADQUAIF_EXEC="+qemu)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -run %s ./kernel under qemu: %v\n%s", run, err, out)
	}
	if !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("go test -run %s ./kernel under qemu ran no test:\n%s", run, out)
	}
	t.Logf("under qemu: %d tests passed", strings.Count(string(out), "--- PASS"))
}
