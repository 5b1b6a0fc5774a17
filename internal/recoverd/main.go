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
	"github.com/ctdb-go/ctdb/internal/config"
	"github.com/ctdb-go/ctdb/internal/logging"
)

// Main is ctdb-recoverd's entry point. ctdbd starts it with its own
// environment (CTDB_BASE, CTDB_SOCKET, CTDB_HELPER_BINDIR) and
// CTDB_RECOVERD_LOG (the log location, "" = the configured one).
func Main() int {
	cfg, err := config.Load(config.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdb-recoverd: %v\n", err)
		return 1
	}
	loc := os.Getenv("CTDB_RECOVERD_LOG")
	if loc == "" {
		loc = cfg.Logging.Location
	}
	logger, err := logging.New(logging.Options{Location: loc, Level: cfg.Logging.Level, Tag: "ctdb-recoverd"})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctdb-recoverd: %v\n", err)
		return 1
	}
	defer logger.Close()
	log := logger.WithField(logging.TagField, "ctdb-recoverd")

	c, err := client.Dial(cfg.Paths.Socket, 10*time.Second)
	if err != nil {
		log.Errorf("Cannot connect to ctdbd: %v", err)
		return 1
	}
	defer c.Close()
	var argv []string
	if cfg.Cluster.ClusterLock != "" {
		helper := filepath.Join(os.Getenv("CTDB_HELPER_BINDIR"), clusterlock.HelperName)
		if argv, err = clusterlock.ParseSpec(cfg.Cluster.ClusterLock, helper); err != nil {
			log.Errorf("Bad cluster lock setting: %v", err)
			return 1
		}
	}
	r, err := New(Config{Client: c, Log: log, LockArgv: argv,
		LeaderTimeout: time.Duration(cfg.Cluster.LeaderTimeout) * time.Second,
		Capable:       cfg.Cluster.LeaderCapability, FailoverDisabled: cfg.Failover.Disabled,
		LockDir: clusterlock.LockDir(cfg.Cluster.ClusterLock), VarDir: cfg.Paths.VarDir,
		Quorum: cfg.Cluster.Quorum == config.QuorumMajority})
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
