//go:build cgo && !purego

package main

// libTags: see purego_test.go.
const libTags = ""
