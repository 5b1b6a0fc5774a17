package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ctdb-go/ctdb/internal/ctrlsock"
	"github.com/ctdb-go/ctdb/internal/nodestate"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/stats"
	"github.com/ctdb-go/ctdb/internal/transport"
)

// clusterState is what ctdbd keeps about the cluster beyond nodeState:
// the transport, forwarded controls in flight, and the subscribed
// recovery daemon.
type clusterState struct {
	tr      transport.Transport
	reqID   atomic.Uint32
	fwdMu   sync.Mutex
	fwd     map[uint32]chan protocol.Frame
	recdMu  sync.Mutex
	recd    ctrlsock.Pusher
	updates chan struct{}
	// gone[pnn] is closed when the connection to pnn drops, so that
	// controls forwarded to it fail at once instead of waiting out
	// forwardTimeout (their replies can no longer come); a new channel
	// replaces it.
	gone map[uint32]chan struct{}
	// tunables is signalled when a tunable is set (keepaliveTuner).
	tunables chan struct{}
	// updateLoopHook, set by tests only, runs as updateLoop starts.
	updateLoopHook func()
}

func (d *Daemon) keepaliveParams() (time.Duration, int) {
	iv, _ := d.tun.Get("KeepaliveInterval")
	lim, _ := d.tun.Get("KeepaliveLimit")
	return time.Duration(iv) * time.Second, int(lim)
}

func (d *Daemon) transportNodes() []transport.Node {
	var out []transport.Node
	for _, n := range d.cfg.Nodes {
		out = append(out, transport.Node{PNN: n.PNN, Addr: n.Addr, Deleted: n.Deleted})
	}
	return out
}

// startTransport connects to the other nodes.
func (d *Daemon) startTransport(ctx context.Context) error {
	if d.opts.Transport != nil {
		d.cl.tr = d.opts.Transport
		d.startClusterLoops(ctx)
		return nil
	}
	iv, lim := d.keepaliveParams()
	tcp, err := transport.NewTCP(transport.TCPConfig{
		MyPNN: d.st.Self, Nodes: d.transportNodes(), Port: d.cfg.Cluster.TransportPort,
		KeepaliveInterval: iv, KeepaliveLimit: lim,
		Payload: d.selfPayload, Log: d.log, Software: Version,
	})
	if err != nil {
		return fmt.Errorf("node transport: %w", err)
	}
	d.cl.tr = tcp
	d.obs.tcp.Store(tcp)
	d.cl.tunables = make(chan struct{}, 1)
	d.startClusterLoops(ctx)
	go d.keepaliveTuner(ctx, tcp)
	return nil
}

// startClusterLoops starts serving the transport d.cl.tr.
func (d *Daemon) startClusterLoops(ctx context.Context) {
	d.cl.fwd = map[uint32]chan protocol.Frame{}
	d.cl.gone = map[uint32]chan struct{}{}
	d.cl.updates = make(chan struct{}, 1)
	go d.recvLoop(ctx)
	// What each peer is told when it connects is read before any peer
	// can connect: read in updateLoop, a change made before that
	// goroutine ran would be taken as already told and never sent.
	told := d.peerSelf()
	go d.peerEvents(ctx)
	go d.updateLoop(ctx, told)
	if d.quorumOn() {
		d.qkick = make(chan struct{}, 1)
		go d.quorumLoop(ctx)
	}
}

// keepaliveTuner applies changed KeepaliveInterval/Limit tunables when a
// tunable is set (ctlSetTunable is the only setter), rather than looking
// every second.
func (d *Daemon) keepaliveTuner(ctx context.Context, tcp *transport.TCP) {
	iv, lim := d.keepaliveParams()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.cl.tunables:
		}
		if niv, nlim := d.keepaliveParams(); niv != iv || nlim != lim {
			iv, lim = niv, nlim
			tcp.SetKeepalive(iv, lim)
		}
	}
}

// selfInfo is this node's own state, as told to the others.
func (d *Daemon) selfInfo() protocol.NodeSelf {
	d.mu.Lock()
	defer d.mu.Unlock()
	return protocol.NodeSelf{
		PNN: d.st.Self, Flags: d.st.self().Flags, Generation: d.st.Generation,
		VNNMap: append([]uint32(nil), d.st.VNNMap...), RecMode: d.st.recmode,
		Leader: d.st.Leader, Epoch: d.st.MaxEpoch, Started: d.st.Priority,
		Capable: d.sc.leader.Load(), Runstate: d.st.runstate.String(), NoLMaster: !d.sc.lmaster.Load(),
		Nodes:          append([]protocol.NodeInfo(nil), d.st.Nodes...),
		NoQuorum:       d.quorumOn() && !d.st.HasQuorum(),
		TunableChanges: d.tun.Changes(),
	}
}

// peerSelf is what the other nodes are told of this node (see
// protocol.PeerSelf).
func (d *Daemon) peerSelf() protocol.PeerSelf {
	d.mu.Lock()
	defer d.mu.Unlock()
	return protocol.PeerSelf{PNN: d.st.Self, Flags: d.st.self().Flags, Runstate: d.st.runstate.String()}
}

func (d *Daemon) selfPayload() []byte {
	b, _ := json.Marshal(d.peerSelf())
	return b
}

// stateChanged tells the other nodes and the recovery daemon at once that
// this node's own state changed (flags, recovery mode...).
func (d *Daemon) stateChanged() {
	if d.cl.updates == nil {
		return
	}
	select {
	case d.cl.updates <- struct{}{}:
	default:
	}
}

// updateLoop tells the other nodes when this node's state changed, and
// its recovery daemon. A change of its flags or runstate goes to every
// node; any other (recovery mode, generation...) concerns only the
// leader, whose recovery daemon checks every node's state when woken by
// it (see protocol.PeerSelf): a recovery's two changes of recovery mode
// on every node are then 2N messages rather than 2N².
//
// told is what the peers were told so far: this node's state before any
// of them connected.
func (d *Daemon) updateLoop(ctx context.Context, told protocol.PeerSelf) {
	if d.cl.updateLoopHook != nil {
		d.cl.updateLoopHook()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.cl.updates:
		}
		s := d.peerSelf()
		if s != told {
			told = s
			d.cl.tr.Broadcast(nodeUpdate(s))
		} else if l, ok := d.otherLeader(); ok {
			d.sendUpdate(l, s)
		}
		d.pushRecd(protocol.MsgRecdWake, protocol.Empty{})
	}
}

// nodeUpdate is the MSG_NODE_UPDATE frame that says s.
func nodeUpdate(s protocol.PeerSelf) (protocol.Header, []byte) {
	body, _ := protocol.MarshalBody(s)
	return protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgNodeUpdate}, body
}

// sendSelf tells one peer, newly connected, this node's flags and
// runstate; the others have them already.
func (d *Daemon) sendSelf(pnn uint32) { d.sendUpdate(pnn, d.peerSelf()) }

func (d *Daemon) sendUpdate(pnn uint32, s protocol.PeerSelf) {
	h, body := nodeUpdate(s)
	if err := d.cl.tr.Send(pnn, h, body); err != nil {
		d.log.WithError(err).WithField("to", pnn).Debug("Cannot send node update")
	}
}

// peerEvents marks peers connected or DISCONNECTED.
func (d *Daemon) peerEvents(ctx context.Context) {
	for {
		var ev transport.Event
		select {
		case <-ctx.Done():
			return
		case ev = <-d.cl.tr.Events():
		}
		in := nodestate.Input{Kind: nodestate.PeerDisconnected, PNN: ev.PNN}
		if ev.Connected {
			in.Kind = nodestate.PeerConnected
		}
		acts := d.step(in)
		if ev.Connected {
			d.sendSelf(ev.PNN)
		} else {
			d.peerGone(ev.PNN)
		}
		d.do(ctx, acts) // on connect: tell it that this node leads
		if ev.Connected {
			d.pushAllTickles(ev.PNN)
		}
		d.kickQuorum()
		d.pushRecd(protocol.MsgPeer, protocol.PeerEvent{PNN: ev.PNN, Connected: ev.Connected})
	}
}

// recvLoop handles frames from other nodes.
func (d *Daemon) recvLoop(ctx context.Context) {
	for {
		var f protocol.Frame
		select {
		case <-ctx.Done():
			return
		case f = <-d.cl.tr.Recv():
		}
		d.countNodeFrame(f)
		d.step(nodestate.Input{Kind: nodestate.Frame, PNN: f.SrcPNN})
		switch f.Kind {
		case protocol.KindRequest:
			go d.serveRemote(ctx, f)
		case protocol.KindReply:
			d.cl.fwdMu.Lock()
			ch := d.cl.fwd[f.ReqID]
			delete(d.cl.fwd, f.ReqID)
			d.cl.fwdMu.Unlock()
			if ch != nil {
				ch <- f
			}
		case protocol.KindMessage:
			d.onMessage(f)
		}
	}
}

func (d *Daemon) onMessage(f protocol.Frame) {
	switch f.Op {
	case protocol.OpKeepalive:
		var k protocol.Keepalive
		if protocol.UnmarshalBody(f.Body, &k) == nil && len(k.Payload) > 0 {
			var s protocol.PeerSelf
			if protocol.UnmarshalBody(k.Payload, &s) == nil {
				d.learnPeer(f.SrcPNN, s)
			}
		}
	case protocol.MsgNodeUpdate:
		var s protocol.PeerSelf
		if err := protocol.UnmarshalBody(f.Body, &s); err == nil {
			d.learnPeer(f.SrcPNN, s)
			// A changed flag wakes the recovery daemon through
			// learnPeer's step (PeerFlagsChanged). Any other change of a
			// peer's state matters only to the leader, which checks
			// every node's (GET_NODEINFO): the recovery daemon of a node
			// that knows another node leads is not woken N-1 times per
			// recovery.
			if _, ok := d.otherLeader(); !ok {
				d.pushRecd(protocol.MsgRecdWake, protocol.Empty{})
			}
		}
	case protocol.MsgTickleList:
		d.onTickleList(f.SrcPNN, f.Body)
	case protocol.MsgLeader:
		var m protocol.LeaderMsg
		if err := protocol.UnmarshalBody(f.Body, &m); err != nil || m.From != f.SrcPNN {
			d.log.WithField("from", f.SrcPNN).Warning("Ignoring malformed leader message")
			return
		}
		d.noteLeader(m)
		d.pushRecd(protocol.MsgLeader, m)
		d.statsTickIfDue() // a wake-up that comes anyway (see statsLoop)
	default:
		d.log.WithField("op", f.Op).Debug("Ignoring unknown message from a peer")
	}
}

// learnPeer records a peer's own flags (a node is the authority on its own
// flags) unless we see it disconnected.
func (d *Daemon) learnPeer(pnn uint32, s protocol.PeerSelf) {
	if s.PNN != pnn {
		return
	}
	connected := d.cl.tr.Connected(pnn)
	d.mu.Lock()
	known := int(pnn) < len(d.st.Nodes) && pnn != d.st.Self
	acts := d.stepLocked(nodestate.Input{Kind: nodestate.PeerSelf, PNN: pnn, Flags: s.Flags, Connected: connected})
	d.mu.Unlock()
	if connected && known {
		d.obs.reg.PeerRunstate(pnn, s.Runstate)
	}
	d.do(context.Background(), acts)
}

// noteLeader mirrors leader broadcasts for `ctdb status`; the recovery
// daemon decides, ctdbd only shows (nodestate: LeaderAnnounced).
func (d *Daemon) noteLeader(m protocol.LeaderMsg) {
	d.do(context.Background(), d.step(nodestate.Input{Kind: nodestate.LeaderAnnounced, Leader: m}))
}

// serveRemote answers a control forwarded by another node.
func (d *Daemon) serveRemote(ctx context.Context, f protocol.Frame) {
	rep := d.callLocal(ctx, f)
	body, _ := protocol.MarshalBody(rep)
	h := f.Header
	h.Kind = protocol.KindReply
	h.DstPNN = f.SrcPNN
	if err := d.cl.tr.Send(f.SrcPNN, h, body); err != nil {
		d.log.WithError(err).WithField("to", f.SrcPNN).Debug("Cannot send reply to forwarded control")
	}
}

func (d *Daemon) callLocal(ctx context.Context, f protocol.Frame) protocol.Reply {
	req, err := protocol.DecodeRequest(f.Op, f.Body)
	if err != nil {
		return protocol.Reply{Status: protocol.StatusBadRequest, Error: err.Error()}
	}
	h := f.Header
	h.DstPNN = d.st.Self
	return ctrlsock.ReplyOf(d.handle(ctx, h, req))
}

// goneCh returns the channel closed when the connection to pnn drops.
func (d *Daemon) goneCh(pnn uint32) <-chan struct{} {
	d.cl.fwdMu.Lock()
	defer d.cl.fwdMu.Unlock()
	ch, ok := d.cl.gone[pnn]
	if !ok {
		ch = make(chan struct{})
		d.cl.gone[pnn] = ch
	}
	return ch
}

// peerGone fails the controls in flight to pnn: its connection dropped.
func (d *Daemon) peerGone(pnn uint32) {
	d.cl.fwdMu.Lock()
	defer d.cl.fwdMu.Unlock()
	if ch, ok := d.cl.gone[pnn]; ok {
		close(ch)
		delete(d.cl.gone, pnn)
	}
}

// forwardTimeout bounds a control forwarded to another node.
const forwardTimeout = 5 * time.Second

// forward sends a control to node dst and returns its reply data.
func (d *Daemon) forward(ctx context.Context, h protocol.Header, req any) (any, error) {
	dst := h.DstPNN
	if d.cl.tr == nil || int(dst) >= len(d.st.Nodes) {
		return nil, protocol.Errorf(protocol.StatusUnreachable, "node %d does not exist", dst)
	}
	gone := d.goneCh(dst) // before the check: a drop after it closes gone
	if !d.cl.tr.Connected(dst) {
		return nil, protocol.Errorf(protocol.StatusUnreachable, "node %d is DISCONNECTED", dst)
	}
	body, err := protocol.MarshalBody(req)
	if err != nil {
		return nil, err
	}
	id := d.cl.reqID.Add(1)
	ch := make(chan protocol.Frame, 1)
	d.cl.fwdMu.Lock()
	d.cl.fwd[id] = ch
	d.cl.fwdMu.Unlock()
	defer func() {
		d.cl.fwdMu.Lock()
		delete(d.cl.fwd, id)
		d.cl.fwdMu.Unlock()
	}()
	fh := protocol.Header{Kind: protocol.KindRequest, Op: h.Op, ReqID: id, DstPNN: dst,
		Generation: h.Generation, Flags: h.Flags}
	if err := d.cl.tr.Send(dst, fh, body); err != nil {
		return nil, protocol.Errorf(protocol.StatusUnreachable, "node %d: %v", dst, err)
	}
	timer := time.NewTimer(forwardTimeoutOf(h.Op))
	defer timer.Stop()
	select {
	case f := <-ch:
		var r protocol.Reply
		if err := protocol.UnmarshalBody(f.Body, &r); err != nil {
			return nil, err
		}
		if r.Status != protocol.StatusOK {
			return nil, &protocol.Error{Status: r.Status, Msg: r.Error}
		}
		return json.RawMessage(nonEmpty(r.Data)), nil
	case <-gone:
		return nil, protocol.Errorf(protocol.StatusUnreachable, "node %d disconnected before answering %s", dst, h.Op)
	case <-timer.C:
		d.obs.reg.Add(stats.TimeoutsControl, 1)
		return nil, protocol.Errorf(protocol.StatusTimeout, "node %d did not answer %s within %v", dst, h.Op, forwardTimeoutOf(h.Op))
	case <-ctx.Done():
		return nil, protocol.Errorf(protocol.StatusTimeout, "%v", ctx.Err())
	}
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

// pushRecd sends a message to the subscribed recovery daemon, if any.
func (d *Daemon) pushRecd(op protocol.Op, v any) {
	d.cl.recdMu.Lock()
	p := d.cl.recd
	d.cl.recdMu.Unlock()
	if p != nil {
		_ = p.Push(op, v)
	}
}

func (d *Daemon) ctlSubscribe(ctx context.Context, _ protocol.Header, _ any) (any, error) {
	p, ok := ctrlsock.PusherFrom(ctx)
	if !ok {
		return nil, protocol.Errorf(protocol.StatusNotPermitted, "subscribe only works on the local socket")
	}
	d.cl.recdMu.Lock()
	d.cl.recd = p
	d.cl.recdMu.Unlock()
	go func() {
		<-p.Done()
		d.cl.recdMu.Lock()
		if d.cl.recd == p {
			d.cl.recd = nil
		}
		d.cl.recdMu.Unlock()
	}()
	return nil, nil
}

// ctlBroadcast sends the local recovery daemon's leader message to every
// node and applies it here.
func (d *Daemon) ctlBroadcast(_ context.Context, _ protocol.Header, req any) (any, error) {
	m := *req.(*protocol.LeaderMsg)
	if err := d.expired(protocol.OpBroadcast, m.Deadline); err != nil {
		return nil, err
	}
	d.announce(m)
	return nil, nil
}

// announce shows the local recovery daemon's leader broadcast (a claim,
// or a call for an election) and sends it to the other nodes.
func (d *Daemon) announce(m protocol.LeaderMsg) {
	m.From, m.Deadline = d.st.Self, 0
	d.noteLeader(m)
	if m.Leader == m.From {
		d.wakeContact() // a leader watches its lock confirmations (see leaderContactLoop)
	}
	body, _ := protocol.MarshalBody(m)
	d.cl.tr.Broadcast(protocol.Header{Kind: protocol.KindMessage, Op: protocol.MsgLeader}, body)
	d.statsTickIfDue() // on the leader, its own claims (see statsLoop)
}

func (d *Daemon) ctlNodeInfo(context.Context, protocol.Header, any) (any, error) {
	return d.selfInfo(), nil
}
