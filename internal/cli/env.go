package cli

import (
	"context"
	"io"
	"time"

	"github.com/ctdb-go/ctdb/internal/protocol"
)

// caller sends one control and decodes its reply; *client.Client is one.
type caller interface {
	Call(ctx context.Context, dst uint32, op protocol.Op, req, rep any) error
}

// env is what a command runs with.
type env struct {
	ctx    context.Context // the whole run: ends at the max runtime
	c      caller
	in     io.Reader // standard input (ptrans; tickle, addtickle, deltickle)
	out    io.Writer
	errOut io.Writer
	opts   options
	now    func() time.Time
	poll   time.Duration // between nodemap polls while waiting for flags
	getenv func(string) string

	pnn    uint32 // the local node
	cmdPNN uint32 // the node the command is about: -n, else the local node
	dst    uint32 // destination of controls about cmdPNN
	// pnnLater: pnn and cmdPNN are not known yet; the command's reply
	// gives them (see command.replyPNN) or localPNN asks.
	pnnLater bool
}

// call sends a control about cmdPNN with the -t time limit.
func (e *env) call(op protocol.Op, req, rep any) error {
	return e.callTo(e.dst, op, req, rep)
}

// callLocal sends a control to the local daemon.
func (e *env) callLocal(op protocol.Op, req, rep any) error {
	return e.callTo(protocol.PNNCurrent, op, req, rep)
}

func (e *env) callTo(dst uint32, op protocol.Op, req, rep any) error {
	ctx, cancel := context.WithTimeout(e.ctx, e.opts.timelimit)
	defer cancel()
	return e.c.Call(ctx, dst, op, req, rep)
}

// sep is the separator of machine-readable output.
func (e *env) sep() string { return e.opts.sep }
