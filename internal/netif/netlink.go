package netif

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// nlMsg is one netlink message of a reply, header fields and payload.
type nlMsg struct {
	typ   uint16
	flags uint16
	data  []byte
}

// nlTimeout bounds every read from a netlink socket, so a kernel that never
// answers cannot hang a caller (ctdbd polls from its main loop).
var nlTimeout = unix.Timeval{Sec: 5}

// nlRetries is how often an interrupted dump (the table changed while it
// was read, NLM_F_DUMP_INTR) is started again before giving up.
const nlRetries = 5

var nlSeq atomic.Uint32

// errDumpInterrupted says a dump saw the table change under it.
var errDumpInterrupted = errors.New("netlink dump interrupted by a concurrent change")

// nlRequest sends one request of type typ with payload body on a fresh
// netlink socket of protocol proto (unix.NETLINK_ROUTE, ...) and returns the
// reply's messages, NLMSG_DONE and acknowledgements excluded. A request with
// unix.NLM_F_DUMP is read until NLMSG_DONE and is restarted if the kernel
// marks it interrupted; any other request is sent with NLM_F_ACK and read
// until its acknowledgement. A negative error in the reply is returned as a
// unix.Errno, so callers can test errors.Is(err, unix.ENOENT).
func nlRequest(proto int, typ, flags uint16, body []byte) ([]nlMsg, error) {
	var err error
	for range nlRetries {
		var msgs []nlMsg
		msgs, err = nlRequestOnce(proto, typ, flags, body)
		if !errors.Is(err, errDumpInterrupted) {
			return msgs, err
		}
	}
	return nil, err
}

func nlRequestOnce(proto int, typ, flags uint16, body []byte) ([]nlMsg, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &nlTimeout); err != nil {
		return nil, fmt.Errorf("netlink socket timeout: %w", err)
	}
	dump := flags&unix.NLM_F_DUMP != 0
	flags |= unix.NLM_F_REQUEST
	if !dump {
		flags |= unix.NLM_F_ACK
	}
	seq := nlSeq.Add(1)
	req := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	binary.NativeEndian.PutUint32(req[0:4], uint32(unix.NLMSG_HDRLEN+len(body)))
	binary.NativeEndian.PutUint16(req[4:6], typ)
	binary.NativeEndian.PutUint16(req[6:8], flags)
	binary.NativeEndian.PutUint32(req[8:12], seq)
	req = append(req, body...)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	return nlReceive(fd, seq, dump)
}

// nlReceive reads the reply to request seq: until NLMSG_DONE for a dump,
// until the acknowledgement otherwise.
func nlReceive(fd int, seq uint32, dump bool) ([]nlMsg, error) {
	var out []nlMsg
	buf := make([]byte, 64*1024)
	interrupted := false
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := nlParse(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.seq != seq {
				continue // not ours (cannot happen on a fresh socket; be safe)
			}
			if m.flags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch m.typ {
			case unix.NLMSG_ERROR, unix.NLMSG_DONE:
				if err := nlError(m); err != nil {
					return nil, err
				}
				if m.typ == unix.NLMSG_DONE || !dump {
					if interrupted {
						return nil, errDumpInterrupted
					}
					return out, nil
				}
			case unix.NLMSG_NOOP:
			default:
				out = append(out, m.nlMsg)
			}
		}
	}
}

// seqMsg is a parsed message with the sequence number it answers.
type seqMsg struct {
	nlMsg
	seq uint32
}

// nlParse splits one datagram into messages.
func nlParse(b []byte) ([]seqMsg, error) {
	var out []seqMsg
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return nil, fmt.Errorf("netlink: malformed message length %d (%d bytes left)", l, len(b))
		}
		out = append(out, seqMsg{
			nlMsg: nlMsg{
				typ:   binary.NativeEndian.Uint16(b[4:6]),
				flags: binary.NativeEndian.Uint16(b[6:8]),
				data:  append([]byte(nil), b[unix.NLMSG_HDRLEN:l]...),
			},
			seq: binary.NativeEndian.Uint32(b[8:12]),
		})
		b = b[min(nlAlign(l), len(b)):]
	}
	return out, nil
}

// nlError returns the error carried by an NLMSG_ERROR or NLMSG_DONE
// message, nil for an acknowledgement or a clean end of dump.
func nlError(m seqMsg) error {
	if len(m.data) < 4 {
		if m.typ == unix.NLMSG_DONE {
			return nil
		}
		return fmt.Errorf("netlink: short error message (%d bytes)", len(m.data))
	}
	code := int32(binary.NativeEndian.Uint32(m.data[0:4]))
	if code == 0 {
		return nil
	}
	return unix.Errno(-code)
}

func nlAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// nlAttrs splits a run of rtnetlink attributes into type -> value (the last
// one wins). Nested and byte-order flags are masked off the type.
func nlAttrs(b []byte) map[uint16][]byte {
	attrs := map[uint16][]byte{}
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		if l < unix.SizeofRtAttr || l > len(b) {
			break
		}
		typ := binary.NativeEndian.Uint16(b[2:4]) & nlaTypeMask
		attrs[typ] = b[unix.SizeofRtAttr:l]
		b = b[min(nlAlign(l), len(b)):]
	}
	return attrs
}

// nlAttr encodes one attribute, padded to alignment.
func nlAttr(typ uint16, val []byte) []byte {
	l := unix.SizeofRtAttr + len(val)
	b := make([]byte, nlAlign(l))
	binary.NativeEndian.PutUint16(b[0:2], uint16(l))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	copy(b[unix.SizeofRtAttr:], val)
	return b
}

// nlaTypeMask strips NLA_F_NESTED and NLA_F_NET_BYTEORDER from a type.
const nlaTypeMask = ^uint16(unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
