package ctrlsock_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/ctrlsock"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/sirupsen/logrus"
)

func serve(t *testing.T, h ctrlsock.Handler) (string, *ctrlsock.Server) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run", "ctdbd.socket")
	l, err := ctrlsock.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	s := &ctrlsock.Server{Handler: h, Log: logrus.NewEntry(lg)}
	go s.Serve(context.Background(), l)
	t.Cleanup(func() { l.Close() })
	return path, s
}

func handler(ctx context.Context, h protocol.Header, req any) (any, error) {
	switch h.Op {
	case protocol.OpGetPNN:
		return protocol.PNNReply{PNN: 3}, nil
	case protocol.OpGetTunable:
		name := req.(*protocol.TunableName).Name
		if name != "MonitorInterval" {
			return nil, protocol.Errorf(protocol.StatusNotFound, "unknown tunable %s", name)
		}
		return protocol.Tunable{Name: name, Value: 15}, nil
	case protocol.OpPing:
		time.Sleep(50 * time.Millisecond) // Deliberate pause: a slow request, so replies come out of order and a 5 ms deadline passes
		return protocol.PingReply{Clients: 1}, nil
	case protocol.OpShutdown:
		panic("boom")
	}
	return nil, protocol.Errorf(protocol.StatusUnknownOp, "not served")
}

func TestPermissionsAndCalls(t *testing.T) {
	path, _ := serve(t, handler)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v %v", st.Mode(), err)
	}
	dst, _ := os.Stat(filepath.Dir(path))
	if dst.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v", dst.Mode())
	}
	c, err := client.Dial(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var pnn protocol.PNNReply
	if err := c.Call(ctx, protocol.PNNCurrent, protocol.OpGetPNN, nil, &pnn); err != nil || pnn.PNN != 3 {
		t.Fatalf("pnn %v %v", pnn, err)
	}
	var tv protocol.Tunable
	err = c.Call(ctx, protocol.PNNCurrent, protocol.OpGetTunable, protocol.TunableName{Name: "Foo"}, &tv)
	if !protocol.IsStatus(err, protocol.StatusNotFound) || err.Error() != "GET_TUNABLE failed: unknown tunable Foo" {
		t.Fatalf("err %v", err)
	}
	if err := c.Call(ctx, protocol.PNNCurrent, protocol.OpShutdown, nil, nil); err == nil || !protocol.IsStatus(err, protocol.StatusError) {
		t.Fatalf("panicking handler: %v", err)
	}
	// The connection survives a handler panic.
	if err := c.Call(ctx, protocol.PNNCurrent, protocol.OpGetPNN, nil, &pnn); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentCallsAreMatchedByID(t *testing.T) {
	path, _ := serve(t, handler)
	c, err := client.Dial(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			var p protocol.PingReply
			errs <- c.Call(context.Background(), protocol.PNNCurrent, protocol.OpPing, nil, &p)
		}()
		go func() {
			defer wg.Done()
			var p protocol.PNNReply
			err := c.Call(context.Background(), protocol.PNNCurrent, protocol.OpGetPNN, nil, &p)
			if err == nil && p.PNN != 3 {
				err = errors.New("wrong reply matched")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCallTimeout(t *testing.T) {
	path, _ := serve(t, handler)
	c, _ := client.Dial(path, time.Second)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	err := c.Call(ctx, protocol.PNNCurrent, protocol.OpPing, nil, nil)
	if !protocol.IsStatus(err, protocol.StatusTimeout) {
		t.Fatalf("got %v", err)
	}
}

func TestStaleSocketReplacedLiveSocketRefused(t *testing.T) {
	path, _ := serve(t, handler)
	if _, err := ctrlsock.Listen(path); !errors.Is(err, ctrlsock.ErrInUse) {
		t.Fatalf("second listen on live socket: %v", err)
	}
	stale := filepath.Join(t.TempDir(), "s.sock")
	l, _ := net.Listen("unix", stale)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l2, err := ctrlsock.Listen(stale)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l2.Close()
}

func TestDialErrorNamesSocket(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.sock")
	_, err := client.Dial(p, 10*time.Millisecond)
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Path != p {
		t.Fatalf("got %v", err)
	}
}

func TestGarbageAndOversizeFramesDropConnection(t *testing.T) {
	path, s := serve(t, handler)
	for _, b := range [][]byte{
		[]byte("GET / HTTP/1.0\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
		func() []byte {
			b := make([]byte, protocol.HeaderSize)
			protocol.MarshalHeader(b, protocol.Header{Length: 1 << 30, Magic: protocol.Magic, Version: protocol.Version, Kind: protocol.KindRequest})
			return b
		}(),
	} {
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		nc.Write(b)
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := nc.Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("server kept a connection that sent garbage: %v", err)
		}
		nc.Close()
	}
	// The server still serves.
	c, err := client.Dial(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Call(context.Background(), protocol.PNNCurrent, protocol.OpGetPNN, nil, nil); err != nil {
		t.Fatal(err)
	}
	if s.NumClients() < 1 {
		t.Fatalf("clients %d", s.NumClients())
	}
}

func TestUnknownOp(t *testing.T) {
	path, _ := serve(t, handler)
	c, _ := client.Dial(path, time.Second)
	defer c.Close()
	err := c.Call(context.Background(), protocol.PNNCurrent, protocol.Op(9999), nil, nil)
	if !protocol.IsStatus(err, protocol.StatusUnknownOp) {
		t.Fatalf("got %v", err)
	}
}
