package step

// The frame is the one argument of every generated kernel: a pointer to a
// struct holding the call's buffers (as Go slices; a nil slice is an absent
// optional buffer), the constant table, the lane count and t. The Go
// lowering prints the struct; the assembly lowerings address its fields at
// these offsets (64-bit targets: a slice header is 24 bytes, an int 8).
const (
	SliceSize   = 24
	FrameC      = int(NumStreams) * SliceSize // the constant table, []F
	FrameStride = FrameC + SliceSize          // int: per-neuron constants: elements between rows
	FrameN      = FrameStride + 8             // int: lanes to compute
	FrameT      = FrameN + 8                  // F: the time of this step
)

// FrameStream is the offset of stream s's slice header in the frame.
func FrameStream(s Stream) int { return int(s) * SliceSize }
