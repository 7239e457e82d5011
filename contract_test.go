package adquaif_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContract checks that the contract is in the repository, with the
// sections the code and the documentation point to, and that no Go file
// cites a contract that is not (the SPEC.md the project started from).
func TestContract(t *testing.T) {
	doc, err := os.ReadFile("docs/CONTRACT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Units and parameters", "## One step", "## Accuracy", "## Invalid input", "## The Go API"} {
		if !strings.Contains(string(doc), "\n"+section) {
			t.Errorf("docs/CONTRACT.md has no section %q", section)
		}
	}
	kernelDoc, err := os.ReadFile("kernel/kernel.go")
	if err != nil {
		t.Fatal(err)
	}
	if pkg, _, _ := strings.Cut(string(kernelDoc), "\npackage kernel"); !strings.Contains(pkg, "docs/CONTRACT.md") {
		t.Error("the package documentation of kernel does not point to docs/CONTRACT.md")
	}
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || path == "contract_test.go" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "SPEC") {
				t.Errorf("%s:%d cites SPEC, which is not in the repository: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
