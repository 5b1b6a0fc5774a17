package transport

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// maxHelloSize bounds the first frame of a connection, before we know who
// is speaking.
const maxHelloSize = 4096

func (t *TCP) writeHello(w io.Writer, dst uint32) error {
	body, err := protocol.MarshalBody(protocol.Hello{PNN: t.cfg.MyPNN, Version: t.cfg.ProtocolVersion, Software: t.cfg.Software})
	if err != nil {
		return err
	}
	h := protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpHello, SrcPNN: t.cfg.MyPNN, DstPNN: dst}
	return protocol.WriteFrame(w, h, body)
}

// VersionError is a peer's hello with another node protocol version than
// ours. Nodes of one cluster must speak the same version: controls,
// recoveries and fencing depend on both sides reading each other's frames
// the same way, so such a peer is refused (at both ends) rather than
// joined.
type VersionError struct {
	PNN                        uint32
	Theirs, Ours               uint16
	TheirSoftware, OurSoftware string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("node %d speaks node protocol version %d (ctdbd %s), this node speaks version %d (ctdbd %s): "+
		"nodes of one cluster must speak the same version; upgrade every node to the same release",
		e.PNN, e.Theirs, softwareName(e.TheirSoftware), e.Ours, softwareName(e.OurSoftware))
}

func softwareName(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// readHello reads and checks the first frame of a connection. A hello of
// another protocol version gives a *VersionError with the hello.
func (t *TCP) readHello(br *bufio.Reader) (protocol.Hello, error) {
	var hello protocol.Hello
	f, err := protocol.ReadFrame(br, maxHelloSize)
	if err != nil {
		return hello, err
	}
	if f.Kind != protocol.KindMessage || f.Op != protocol.OpHello {
		return hello, fmt.Errorf("first frame is %s %s, not a hello", f.Kind, f.Op)
	}
	// Unlike other bodies, the hello is read leniently: a later release
	// may add fields to it, and its version must still be read so that
	// the refusal can say why.
	if err := json.Unmarshal(f.Body, &hello); err != nil {
		return hello, fmt.Errorf("bad hello body: %w", err)
	}
	if f.SrcPNN != hello.PNN {
		return hello, fmt.Errorf("header source PNN %d differs from hello PNN %d", f.SrcPNN, hello.PNN)
	}
	if hello.Version != t.cfg.ProtocolVersion {
		return hello, &VersionError{PNN: hello.PNN, Theirs: hello.Version, Ours: t.cfg.ProtocolVersion,
			TheirSoftware: hello.Software, OurSoftware: t.cfg.Software}
	}
	return hello, nil
}

// logVersionRefusal logs a version refusal once per peer and version pair
// (the dialer retries every second; the reason does not change).
// what starts the line ("Refused connection from ADDR").
func (t *TCP) logVersionRefusal(what string, err error) bool {
	var ve *VersionError
	if !errors.As(err, &ve) {
		return false
	}
	key := fmt.Sprintf("%d/%d", ve.PNN, ve.Theirs)
	t.mu.Lock()
	if t.versionLogged == nil {
		t.versionLogged = map[string]bool{}
	}
	seen := t.versionLogged[key]
	t.versionLogged[key] = true
	t.mu.Unlock()
	if !seen {
		t.log.WithField("pnn", ve.PNN).Errorf("%s: %v", what, ve)
	}
	return true
}
