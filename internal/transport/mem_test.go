package transport

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

func memCluster(t *testing.T, n int) (*MemNetwork, []Transport) {
	net := NewMemNetwork()
	var trs []Transport
	for pnn := uint32(0); pnn < uint32(n); pnn++ {
		tr := net.Transport(pnn)
		t.Cleanup(func() { tr.Close() })
		trs = append(trs, tr)
	}
	for a := range trs {
		var others []uint32
		for b := range trs {
			if a != b {
				others = append(others, uint32(b))
			}
		}
		waitUp(t, trs[a], others...)
	}
	return net, trs
}

// events collects the events available now, in order.
func events(tr Transport) []Event {
	var evs []Event
	for {
		select {
		case ev := <-tr.Events():
			evs = append(evs, ev)
		case <-time.After(20 * time.Millisecond):
			return evs
		}
	}
}

func expectEvents(t *testing.T, tr Transport, want ...Event) {
	t.Helper()
	if got := events(tr); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %+v, want %+v", got, want)
	}
}

func down(pnn uint32) Event { return Event{PNN: pnn, Connected: false} }
func up(pnn uint32) Event   { return Event{PNN: pnn, Connected: true} }

func TestMem_SendAndBroadcast(t *testing.T) {
	checkLeaks(t)
	net, trs := memCluster(t, 3)
	if net.Transport(1) != trs[1] {
		t.Fatal("Transport of a live node is not the same transport")
	}
	h := protocol.Header{Kind: protocol.KindRequest, Op: protocol.OpGetPNN, Generation: 5, ReqID: 3}
	body := []byte(`{"a":1}`)
	if err := trs[0].Send(2, h, body); err != nil {
		t.Fatal(err)
	}
	body[0] = 'X' // the receiver has its own copy
	f := recvOp(t, trs[2], protocol.OpGetPNN, time.Second)
	if f.SrcPNN != 0 || f.DstPNN != 2 || f.Generation != 5 || f.ReqID != 3 || string(f.Body) != `{"a":1}` ||
		f.Magic != protocol.Magic || f.Length != uint32(protocol.HeaderSize+len(body)) {
		t.Fatalf("got %+v %q", f.Header, f.Body)
	}
	trs[1].Broadcast(h, nil)
	for _, pnn := range []uint32{0, 2} {
		if f := recvOp(t, trs[pnn], protocol.OpGetPNN, time.Second); f.SrcPNN != 1 || f.DstPNN != protocol.PNNBroadcast {
			t.Fatalf("node %d got %+v", pnn, f.Header)
		}
	}
	if err := trs[0].Send(0, h, nil); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("send to self: %v", err)
	}
	if err := trs[0].Send(9, h, nil); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("send to unknown: %v", err)
	}
	if err := trs[0].Send(1, h, make([]byte, protocol.MaxFrameSize)); !errors.Is(err, protocol.ErrTooLarge) {
		t.Fatalf("oversize send: %v", err)
	}
}

func TestMem_PartitionAndHeal(t *testing.T) {
	checkLeaks(t)
	net, trs := memCluster(t, 4)
	net.Partition([]uint32{0}, []uint32{1, 2}) // 3 is unlisted: a group of its own
	expectEvents(t, trs[0], down(1), down(2), down(3))
	expectEvents(t, trs[1], down(0), down(3))
	expectEvents(t, trs[2], down(0), down(3))
	expectEvents(t, trs[3], down(0), down(1), down(2))
	if err := trs[0].Send(1, msg, nil); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("send across partition: %v", err)
	}
	if err := trs[1].Send(2, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}, nil); err != nil {
		t.Fatalf("send inside partition: %v", err)
	}
	if trs[0].Connected(1) || !trs[1].Connected(2) {
		t.Fatal("Connected disagrees with the partition")
	}
	trs[2].Broadcast(protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpGetPID}, nil)
	recvOp(t, trs[1], protocol.OpGetPID, time.Second)
	select {
	case f := <-trs[0].Recv():
		t.Fatalf("broadcast crossed the partition: %+v", f.Header)
	default:
	}

	net.Heal()
	expectEvents(t, trs[0], up(1), up(2), up(3))
	expectEvents(t, trs[1], up(0), up(3))
	expectEvents(t, trs[3], up(0), up(1), up(2))
	if err := trs[0].Send(1, msg, nil); err != nil {
		t.Fatalf("send after heal: %v", err)
	}
}

func TestMem_DisconnectOnePair(t *testing.T) {
	checkLeaks(t)
	net, trs := memCluster(t, 3)
	net.Disconnect(2, 0)
	expectEvents(t, trs[0], down(2))
	expectEvents(t, trs[1])
	expectEvents(t, trs[2], down(0))
	net.Partition([]uint32{0, 1, 2}) // a partition does not undo the cut
	expectEvents(t, trs[0])
	net.Heal()
	expectEvents(t, trs[0], up(2))
	expectEvents(t, trs[2], up(0))
}

func TestMem_KillAndRestart(t *testing.T) {
	checkLeaks(t)
	net, trs := memCluster(t, 3)
	net.Kill(1)
	expectEvents(t, trs[0], down(1))
	expectEvents(t, trs[2], down(1))
	if _, ok := <-trs[1].Recv(); ok {
		t.Fatal("killed node's Recv still open")
	}
	if _, ok := <-trs[1].Events(); ok {
		t.Fatal("killed node's Events still open")
	}
	if err := trs[1].Send(0, msg, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("send from killed node: %v", err)
	}
	if err := trs[0].Send(1, msg, nil); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("send to killed node: %v", err)
	}
	restarted := net.Transport(1)
	t.Cleanup(func() { restarted.Close() })
	if restarted == trs[1] {
		t.Fatal("restart returned the killed transport")
	}
	expectEvents(t, restarted, up(0), up(2))
	expectEvents(t, trs[0], up(1))
	if err := trs[0].Send(1, protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}, nil); err != nil {
		t.Fatal(err)
	}
	recvOp(t, restarted, protocol.OpPing, time.Second)
}

func TestMem_SetNodes(t *testing.T) {
	checkLeaks(t)
	_, trs := memCluster(t, 3)
	list := nodeList(0, 1, 2)
	list[2].Deleted = true
	trs[0].SetNodes(list)
	expectEvents(t, trs[0], down(2))
	expectEvents(t, trs[2], down(0))
	expectEvents(t, trs[1])
	trs[0].SetNodes(nodeList(0, 1, 2))
	expectEvents(t, trs[0], up(2))
}

func TestMem_QueueFull(t *testing.T) {
	checkLeaks(t)
	_, trs := memCluster(t, 2)
	var err error
	n := 0
	for ; n <= memQueueLength && err == nil; n++ {
		err = trs[0].Send(1, msg, nil)
	}
	if !errors.Is(err, ErrQueueFull) || n != memQueueLength+1 {
		t.Fatalf("after %d sends: %v", n, err)
	}
}

var msg = protocol.Header{Kind: protocol.KindMessage, Op: protocol.OpPing}

func TestMem_BadKindRefused(t *testing.T) {
	checkLeaks(t)
	_, trs := memCluster(t, 2)
	if err := trs[0].Send(1, protocol.Header{}, nil); !errors.Is(err, protocol.ErrKind) {
		t.Fatalf("send with kind 0: %v", err)
	}
}
