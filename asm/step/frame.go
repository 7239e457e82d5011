package step

import "fmt"

// Elem is what one element of a stream holds.
type Elem int

const (
	ElemFloat Elem = iota // one float of the program's DType per neuron
	ElemBool              // one bool (a byte) per neuron
	ElemBits              // one bit per neuron, in uint64 words: lane j is bit j%64 of word j/64
)

// Dir is which way a stream's values go. Where a stream is accessed is
// Optional's business (checkLoop): in a program with a Loop, the optional
// streams are accessed in it, at the step's row, and the others before
// and after it.
type Dir int

const (
	State  Dir = iota // read, written, or both by the frame's programs (a neuron's state)
	Input             // only read
	Output            // only written
)

func (d Dir) String() string { return [...]string{"state", "input", "output"}[d] }

// StreamSpec is one row of a frame's stream table.
type StreamSpec struct {
	Name     string // its field in the Go frame
	Elem     Elem
	Dir      Dir
	Optional bool   // the buffer may be absent (a nil slice); its ops are in If blocks
	Doc      string // what it holds, for the generated frame's comment
}

// Bool reports whether the stream holds one bool (byte) per neuron.
func (s StreamSpec) Bool() bool { return s.Elem == ElemBool }

// Packed reports whether the stream holds one bit per neuron.
func (s StreamSpec) Packed() bool { return s.Elem == ElemBits }

// ElemSize is the size in bytes of one element of the stream in a program
// of type d; a packed stream's element is its uint64 word.
func (s StreamSpec) ElemSize(d DType) int {
	return [...]int{ElemFloat: d.Size(), ElemBool: 1, ElemBits: 8}[s.Elem]
}

// ConstSpec is one row of a frame's constant table.
type ConstSpec struct {
	Name string // its index in the generated Go is C<Name>
	Doc  string
}

// A Frame is the one argument of every function lowered from a model's
// programs (the step variants and their helpers): a pointer to a
// struct holding the call's buffers (as Go slices; a nil slice is an absent
// optional buffer), the constant table, the lane count, the steps and their
// times. Its tables say what the streams and constants are; Layout derives
// where each field is, and asm/golang prints the Go struct from the same
// tables, so that the assembly's offsets and the Go type agree by
// construction (a generated test checks them with unsafe.Offsetof).
type Frame struct {
	// Type is the Go type's stem: Type + "32" and Type + "64" are the
	// frames of the float32 and float64 programs.
	Type string
	// Prefix starts the names of the frame's generated Go constants
	// (Prefix+"C"+const, Prefix+"Stream"+stream, Prefix+"FrameOff"+field,
	// Prefix+"NumConsts"), so that the frames of several programs live in
	// one package; "" for the model's first frame.
	Prefix  string
	Streams []StreamSpec
	Consts  []ConstSpec
}

// The frame's fields in order: a slice header per stream, then these.
// On 64-bit targets a slice header is 24 bytes and an int 8.
const (
	SliceSize = 24
	IntSize   = 8
)

// Layout is where each field of a frame is, in bytes from its start.
type Layout struct {
	streams int // the first slice header
	C       int // the constant table, []F
	Stride  int // int: per-neuron constants: elements between rows
	N       int // int: lanes to compute
	Steps   int // int: steps to make, at least 1
	Rows    int // [len(Streams)]int: per stream, elements between its step rows
	T       int // []F: the time of each step, Steps of them
	Size    int // the whole frame
}

// Layout derives the frame's field offsets from its stream table.
func (f *Frame) Layout() Layout {
	var l Layout
	l.C = l.streams + len(f.Streams)*SliceSize
	l.Stride = l.C + SliceSize
	l.N = l.Stride + IntSize
	l.Steps = l.N + IntSize
	l.Rows = l.Steps + IntSize
	l.T = l.Rows + IntSize*len(f.Streams)
	l.Size = l.T + SliceSize
	return l
}

// Stream is the offset of stream s's slice header.
func (l Layout) Stream(s Stream) int { return l.streams + int(s)*SliceSize }

// Row is the offset of stream s's row distance: step k of the Loop
// accesses lane j of an optional stream at element k*Rows[s] + j. A distance
// of 0 gives every step the same row: an input held for every step, an
// output that ends holding the last step's values.
func (l Layout) Row(s Stream) int { return l.Rows + IntSize*int(s) }

// GoType is the name of the frame's Go type for programs of type d.
func (f *Frame) GoType(d DType) string { return fmt.Sprintf("%s%d", f.Type, d.Size()*8) }

// Lookup is the stream named name.
func (f *Frame) Lookup(name string) (Stream, bool) {
	for i, s := range f.Streams {
		if s.Name == name {
			return Stream(i), true
		}
	}
	return 0, false
}

// check reports a frame whose tables cannot describe a frame: names that
// repeat, or a state stream that is optional.
func (f *Frame) check() error {
	seen := map[string]bool{}
	for _, s := range f.Streams {
		if seen[s.Name] {
			return fmt.Errorf("frame %s: stream %s listed twice", f.Type, s.Name)
		}
		seen[s.Name] = true
		if s.Dir == State && s.Optional {
			return fmt.Errorf("frame %s: state stream %s is optional", f.Type, s.Name)
		}
	}
	seen = map[string]bool{}
	for _, c := range f.Consts {
		if seen[c.Name] {
			return fmt.Errorf("frame %s: constant %s listed twice", f.Type, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}
