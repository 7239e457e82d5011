//go:build !cgo

// Command compare needs cgo to build its C references; see main.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "compare: built without cgo; it needs gcc and CGO_ENABLED=1 to build the C references")
	os.Exit(2)
}
