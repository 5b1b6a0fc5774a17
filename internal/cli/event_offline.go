package cli

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/protocol"
	"github.com/ctdb-go/ctdb/internal/scriptdir"
)

// CTDB's tool lists, enables and disables scripts by reading and changing
// the directories itself, so it works before ctdbd runs (a package's
// install script, configuration management). Ours asks the daemon, which
// also serves -n PNN; when no daemon runs, it works on the directories of
// the local configuration, as CTDB's does.

// offlineEventCommand reports whether `ctdb event ARGS` can run without a
// daemon, and dialErr says that no daemon runs.
func offlineEventCommand(cmd *command, args []string, dialErr error) bool {
	if cmd.name != "event" || len(args) == 0 || args[0] != "script" {
		return false
	}
	return errors.Is(dialErr, syscall.ENOENT) || errors.Is(dialErr, syscall.ECONNREFUSED)
}

// offlineScripts answers the script list and set controls from the
// configuration directories, as the daemon would.
type offlineScripts struct{ layout scriptdir.Layout }

func newOfflineScripts(getenv func(string) string) (*offlineScripts, error) {
	dir := config.ResolveConfigDir(config.Options{Getenv: getenv})
	c, err := config.ParseConf(filepath.Join(dir, config.ConfFileName), getenv)
	if err != nil {
		return nil, err
	}
	return &offlineScripts{scriptdir.Layout{Legacy: c.LegacyEventsDir(), Old: c.EventsDir(), Data: c.PackagedEventsDir()}}, nil
}

func (o *offlineScripts) Call(_ context.Context, _ uint32, op protocol.Op, req, rep any) error {
	switch op {
	case protocol.OpEventScriptList:
		l, err := o.layout.List()
		if err != nil {
			return err
		}
		out := rep.(*protocol.ScriptList)
		for _, s := range l.Packaged {
			out.Packaged = append(out.Packaged, protocol.Script{Name: s.Name, Enabled: s.Enabled})
		}
		for _, s := range l.Local {
			out.Scripts = append(out.Scripts, protocol.Script{Name: s.Name, Enabled: s.Enabled})
		}
		return nil
	case protocol.OpEventScriptSet:
		r := req.(protocol.ScriptSet)
		err := o.layout.SetEnabled(r.Name, r.Enable)
		switch {
		case errors.Is(err, scriptdir.ErrNoScript):
			return protocol.Errorf(protocol.StatusNotFound, "%v", err)
		case errors.Is(err, scriptdir.ErrNotScriptFile):
			return protocol.Errorf(protocol.StatusBadRequest, "%v", err)
		case err != nil:
			return errors.New(strings.TrimPrefix(err.Error(), "eventd: "))
		}
		return nil
	}
	return errors.New("no ctdbd is running")
}
