package main

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// TestCallPanic: a panic inside an export's work becomes codeInternal with
// its message (C cannot provoke one; every export runs its work in call).
func TestCallPanic(t *testing.T) {
	buf := make([]byte, 64)
	code := call(unsafe.Pointer(&buf[0]), uintptr(len(buf)), func() error {
		var s []int
		_ = s[3]
		return nil
	})
	msg := string(buf[:strings.IndexByte(string(buf), 0)])
	if code != codeInternal || !strings.HasPrefix(msg, "adquaif: internal error: runtime error: index out of range") {
		t.Errorf("call of a panicking function: code %d, message %q", code, msg)
	}
	if code := call(nil, 0, func() error { panic("no message buffer") }); code != codeInternal {
		t.Errorf("call of a panicking function without a message buffer: code %d", code)
	}
}

func TestCodeOf(t *testing.T) {
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 4)
	_, errParam := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: -1})
	for _, c := range []struct {
		err  error
		want int32
	}{
		{errParam, codeParam},
		{k.Step(0, kernel.Buffers[float32]{V: v, W: v[:2], LastSpike: make([]float32, 4)}), codeLength},
		{k.Step(0, kernel.Buffers[float32]{V: v, W: v, LastSpike: make([]float32, 4)}), codeOverlap},
		{fail(errHandle, "x"), codeHandle},
		{setISA(new("vax")), codeISA},
		{fail(errNull, "x"), codeNull},
		{errors.New("something else"), codeInternal},
	} {
		if got := codeOf(c.err); got != c.want {
			t.Errorf("codeOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestWriteMessage(t *testing.T) {
	for _, c := range []struct {
		msg  string
		size int
		want string
	}{
		{"hello", 64, "hello"}, {"hello", 6, "hello"}, {"hello", 5, "hell"}, {"hello", 1, ""},
		{"é!", 2, ""}, {"é!", 3, "é"}, {"aé", 3, "a"},
	} {
		buf := []byte(strings.Repeat("x", c.size+1))
		writeMessage(unsafe.Pointer(&buf[0]), uintptr(c.size), c.msg)
		want := c.want + "\x00" + strings.Repeat("x", c.size-len(c.want))
		if string(buf) != want {
			t.Errorf("writeMessage(%q, %d) left %q, want %q", c.msg, c.size, buf, want)
		}
	}
	buf := []byte("xy")
	writeMessage(unsafe.Pointer(&buf[0]), 0, "hello")
	if string(buf) != "xy" {
		t.Errorf("writeMessage with size 0 wrote %q", buf)
	}
}

func TestHandles(t *testing.T) {
	k32, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	h := register(&entry[float32]{k: k32})
	h2 := register(&entry[float32]{k: k32})
	if h == 0 || h2 == 0 || h == h2 {
		t.Fatalf("handles %#x and %#x: want distinct and not 0", h, h2)
	}
	if k, err := lookup[float32](h); k != k32 || err != nil {
		t.Errorf("lookup of a live handle: %v, %v", k, err)
	}
	if _, err := lookup[float64](h); codeOf(err) != codeHandle || !strings.Contains(err.Error(), "is a float32 kernel, not float64") {
		t.Errorf("lookup with the other dtype: %v", err)
	}
	release(h)
	release(h)
	if _, err := lookup[float32](h); codeOf(err) != codeHandle {
		t.Errorf("lookup of a freed handle: %v", err)
	}
	if _, err := lookup[float32](h2); err != nil {
		t.Errorf("freeing one handle broke another: %v", err)
	}
	release(h2)
}

// TestNoAllocs: a step through the C API's Go side allocates nothing, as
// the Go API's does.
func TestNoAllocs(t *testing.T) {
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	h := register(&entry[float32]{k: k})
	defer release(h)
	v, w, last, in, spike := make([]float32, 100), make([]float32, 100), make([]float32, 100), make([]float32, 100), make([]float32, 100)
	allocs := testing.AllocsPerRun(100, func() {
		b := cBuffers{n: 100, v: unsafe.Pointer(&v[0]), w: unsafe.Pointer(&w[0]), last: unsafe.Pointer(&last[0]),
			i: unsafe.Pointer(&in[0]), spike: unsafe.Pointer(&spike[0])}
		if code := call(nil, 0, func() error { return run[float32](h, 0, 1, &b, true) }); code != 0 {
			t.Fatalf("code %d", code)
		}
	})
	if allocs != 0 {
		t.Errorf("a step allocates %v times", allocs)
	}
}
