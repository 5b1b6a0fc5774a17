package recoverd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ctdb-go/ctdb/internal/client"
	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/internal/logging"
	"github.com/ctdb-go/ctdb/internal/recoverd/rdconf"
)

// Main is ctdb-recoverd's entry point. ctdbd starts it with its own
// environment (CTDB_BASE, CTDB_SOCKET, CTDB_HELPER_BINDIR) and its
// settings in rdconf.Env.
func Main() int {
	cfg, err := rdconf.FromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdb-recoverd: %v\n", err)
		return 1
	}
	logger, err := logging.New(logging.Options{Location: cfg.LogLocation, Level: cfg.LogLevel, Tag: "ctdb-recoverd"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdb-recoverd: %v\n", err)
		return 1
	}
	defer logger.Close()
	log := logger.WithField(logging.TagField, "ctdb-recoverd")

	c, err := client.Dial(cfg.Socket, 10*time.Second)
	if err != nil {
		log.Errorf("Cannot connect to ctdbd: %v", err)
		return 1
	}
	defer c.Close()
	var argv []string
	if cfg.ClusterLock != "" {
		helper := filepath.Join(os.Getenv("CTDB_HELPER_BINDIR"), clusterlock.HelperName)
		if argv, err = clusterlock.ParseSpec(cfg.ClusterLock, helper); err != nil {
			log.Errorf("Bad cluster lock setting: %v", err)
			return 1
		}
	}
	r, err := New(Config{Client: c, Log: log, LockArgv: argv,
		LeaderTimeout: time.Duration(cfg.LeaderTimeout) * time.Second,
		Capable:       cfg.LeaderCapability, FailoverDisabled: cfg.FailoverDisabled,
		LockDir: clusterlock.LockDir(cfg.ClusterLock), VarDir: cfg.VarDir,
		Quorum: cfg.QuorumMajority})
	if err != nil {
		log.Errorf("Cannot start: %v", err)
		return 1
	}
	log.Infof("Recovery daemon started on node %d (pid %d)", r.self, os.Getpid())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := r.Run(ctx); err != nil {
		log.Errorf("Recovery daemon exiting: %v", err)
		return 1
	}
	return 0
}
