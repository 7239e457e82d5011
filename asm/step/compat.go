package step

// The names below are the API before the stream and constant tables were
// carried by the program. They answer for AdQuaIFFrame only, and stay until
// asm/amd64 and asm/arm64 read p.Streams, p.Consts and p.Layout() instead.

const (
	NumStreams = numStreams // len(AdQuaIFFrame.Streams)
	NumConsts  = numConsts  // len(AdQuaIFFrame.Consts)
)

func (s Stream) String() string { return AdQuaIFFrame.Streams[s].Name }
func (s Stream) Optional() bool { return AdQuaIFFrame.Streams[s].Optional }
func (s Stream) Bool() bool     { return AdQuaIFFrame.Streams[s].Bool() }
func (s Stream) Packed() bool   { return AdQuaIFFrame.Streams[s].Packed() }
func (c Const) String() string  { return AdQuaIFFrame.Consts[c].Name }

var (
	FrameC      = AdQuaIFFrame.Layout().C
	FrameStride = AdQuaIFFrame.Layout().Stride
	FrameN      = AdQuaIFFrame.Layout().N
	FrameSteps  = AdQuaIFFrame.Layout().Steps
	FrameRows   = AdQuaIFFrame.Layout().Rows
	FrameT      = AdQuaIFFrame.Layout().T
)

func FrameStream(s Stream) int { return AdQuaIFFrame.Layout().Stream(s) }
func FrameRow(s Stream) int    { return AdQuaIFFrame.Layout().Row(s) }
