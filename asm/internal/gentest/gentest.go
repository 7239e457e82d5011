// Package gentest checks committed generated files against a generator's
// output in memory, so that a plain go test in asm/ catches a stale file
// (a change to asm/step or to a generator that was not regenerated), as
// CI's go generate and diff does.
package gentest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Compare fails t for each of files (by name, in dir) whose committed
// content differs from the generated one.
func Compare(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("the generator produced no file")
	}
	for name, want := range files {
		path := filepath.Join(dir, name)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v: run go generate -tags generate . in the repository root", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate -tags generate . in the repository root", path)
		}
	}
}
