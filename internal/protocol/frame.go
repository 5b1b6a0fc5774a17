// Package protocol is the wire format shared by ctdbd, its clients (the ctdb
// tool, the recovery daemon) and, later, the node transport between daemons.
//
// A frame is a fixed 36-byte header followed by a body. The header carries the
// frame length, a magic number, the protocol version, the frame kind
// (request, reply, message), the operation, a request id, the source and
// destination PNN and the sender's generation (a fencing token: a node refuses
// state-changing controls from an older generation). The body is the JSON
// encoding of the operation's request or reply type (see messages.go), decoded
// strictly. The package does no I/O of its own beyond reading and writing one
// frame on a stream, and never allocates more than MaxFrameSize for a frame:
// a header announcing a longer frame is refused before its body is read.
package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	// Magic is "CTDG" in ASCII, first on the wire so a stray client that is
	// not speaking this protocol is refused at once.
	Magic uint32 = 0x43544447
	// Version is the protocol version. A peer with another version is refused
	// with ErrVersion; bump it on any incompatible change of the header or of
	// a message body.
	Version uint16 = 1
	// HeaderSize is the size of the encoded header in bytes.
	HeaderSize = 36
	// MaxFrameSize bounds a whole frame (header and body). Event status with
	// captured script output is the largest message; it stays far below.
	MaxFrameSize = 4 << 20
)

// Kind says what a frame is.
type Kind uint16

const (
	KindRequest Kind = 1 // a control: expects exactly one KindReply with the same ReqID
	KindReply   Kind = 2 // the answer to a control
	KindMessage Kind = 3 // one-way message (keepalive, leader broadcast, ...)
)

func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindReply:
		return "reply"
	case KindMessage:
		return "message"
	}
	return fmt.Sprintf("kind(%d)", uint16(k))
}

// Special destination PNNs, as in CTDB.
const (
	PNNCurrent   uint32 = 0xF0000001 // the node that receives the frame
	PNNBroadcast uint32 = 0xF0000002 // all connected nodes
	PNNUnknown   uint32 = 0xFFFFFFFF // no node (e.g. no leader known)
)

// Header is the fixed part of every frame.
type Header struct {
	Length     uint32 // whole frame: header plus body
	Magic      uint32
	Version    uint16
	Kind       Kind
	Op         Op
	ReqID      uint32
	SrcPNN     uint32
	DstPNN     uint32
	Generation uint32
	Flags      uint32
}

// Errors returned by the decoder. They are wrapped with details.
var (
	ErrMagic     = errors.New("bad magic")
	ErrVersion   = errors.New("unsupported protocol version")
	ErrTooLarge  = errors.New("frame too large")
	ErrTooShort  = errors.New("frame shorter than its header")
	ErrKind      = errors.New("unknown frame kind")
	ErrTruncated = errors.New("truncated frame")
)

// Frame is one decoded frame.
type Frame struct {
	Header
	Body []byte
}

// MarshalHeader encodes h into b, which must be at least HeaderSize long.
func MarshalHeader(b []byte, h Header) {
	be := binary.BigEndian
	be.PutUint32(b[0:], h.Length)
	be.PutUint32(b[4:], h.Magic)
	be.PutUint16(b[8:], h.Version)
	be.PutUint16(b[10:], uint16(h.Kind))
	be.PutUint32(b[12:], uint32(h.Op))
	be.PutUint32(b[16:], h.ReqID)
	be.PutUint32(b[20:], h.SrcPNN)
	be.PutUint32(b[24:], h.DstPNN)
	be.PutUint32(b[28:], h.Generation)
	be.PutUint32(b[32:], h.Flags)
}

// UnmarshalHeader decodes and validates a header. max bounds Length
// (0 means MaxFrameSize).
func UnmarshalHeader(b []byte, max int) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	be := binary.BigEndian
	h := Header{
		Length:     be.Uint32(b[0:]),
		Magic:      be.Uint32(b[4:]),
		Version:    be.Uint16(b[8:]),
		Kind:       Kind(be.Uint16(b[10:])),
		Op:         Op(be.Uint32(b[12:])),
		ReqID:      be.Uint32(b[16:]),
		SrcPNN:     be.Uint32(b[20:]),
		DstPNN:     be.Uint32(b[24:]),
		Generation: be.Uint32(b[28:]),
		Flags:      be.Uint32(b[32:]),
	}
	if max <= 0 {
		max = MaxFrameSize
	}
	switch {
	case h.Magic != Magic:
		return h, fmt.Errorf("%w: 0x%08x", ErrMagic, h.Magic)
	case h.Version != Version:
		return h, fmt.Errorf("%w: %d (this side speaks %d)", ErrVersion, h.Version, Version)
	case h.Length < HeaderSize:
		return h, fmt.Errorf("%w: length %d", ErrTooShort, h.Length)
	case int64(h.Length) > int64(max):
		return h, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, h.Length, max)
	case h.Kind < KindRequest || h.Kind > KindMessage:
		return h, fmt.Errorf("%w: %d", ErrKind, uint16(h.Kind))
	}
	return h, nil
}

// Encode builds the bytes of a frame. It fills in Length, Magic and Version.
func Encode(h Header, body []byte) ([]byte, error) {
	n := HeaderSize + len(body)
	if n > MaxFrameSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, n, MaxFrameSize)
	}
	h.Length = uint32(n)
	h.Magic = Magic
	h.Version = Version
	b := make([]byte, n)
	MarshalHeader(b, h)
	copy(b[HeaderSize:], body)
	return b, nil
}

// Decode decodes one whole frame held in b (as from a datagram or a test).
func Decode(b []byte, max int) (Frame, error) {
	h, err := UnmarshalHeader(b, max)
	if err != nil {
		return Frame{}, err
	}
	if int(h.Length) != len(b) {
		return Frame{}, fmt.Errorf("%w: header says %d bytes, have %d", ErrTruncated, h.Length, len(b))
	}
	return Frame{Header: h, Body: b[HeaderSize:]}, nil
}

// ReadFrame reads one frame from a stream. The body is allocated only after
// the header has been validated against max (0 means MaxFrameSize).
func ReadFrame(r io.Reader, max int) (Frame, error) {
	var hb [HeaderSize]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return Frame{}, err
	}
	h, err := UnmarshalHeader(hb[:], max)
	if err != nil {
		return Frame{}, err
	}
	body := make([]byte, int(h.Length)-HeaderSize)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return Frame{Header: h, Body: body}, nil
}

// WriteFrame encodes and writes one frame in a single Write call.
func WriteFrame(w io.Writer, h Header, body []byte) error {
	b, err := Encode(h, body)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
