package transport

import (
	"bufio"
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// maxHelloSize bounds the first frame of a connection, before we know who
// is speaking.
const maxHelloSize = 4096

func (t *TCP) writeHello(w io.Writer, dst uint32) error {
	body, err := protocol.MarshalBody(protocol.Hello{PNN: t.cfg.MyPNN, Version: protocol.TransportVersion})
	if err != nil {
		return err
	}
	h := protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpHello, SrcPNN: t.cfg.MyPNN, DstPNN: dst}
	return protocol.WriteFrame(w, h, body)
}

// readHello reads and checks the first frame of a connection.
func readHello(br *bufio.Reader) (protocol.Hello, error) {
	var hello protocol.Hello
	f, err := protocol.ReadFrame(br, maxHelloSize)
	if err != nil {
		return hello, err
	}
	if f.Kind != protocol.KindMessage || f.Op != protocol.OpHello {
		return hello, fmt.Errorf("first frame is %s %s, not a hello", f.Kind, f.Op)
	}
	if err := protocol.UnmarshalBody(f.Body, &hello); err != nil {
		return hello, err
	}
	if hello.Version != protocol.TransportVersion {
		return hello, fmt.Errorf("transport version %d, this node speaks %d", hello.Version, protocol.TransportVersion)
	}
	if f.SrcPNN != hello.PNN {
		return hello, fmt.Errorf("header source PNN %d differs from hello PNN %d", f.SrcPNN, hello.PNN)
	}
	return hello, nil
}
