package config

import (
	"net/netip"

	"github.com/ctdb-go/ctdb/internal/tunables"
)

// Config is a node's whole configuration. Load fills every field; ParseConf
// fills only the ctdb.conf and path fields.
type Config struct {
	ConfigDir string

	Logging  LoggingConfig
	Cluster  ClusterConfig
	Event    EventConfig
	Failover FailoverConfig
	Legacy   LegacyConfig
	Paths    PathsConfig
	Database DatabaseConfig

	Nodes           []Node
	PublicAddresses []PublicAddress
	Tunables        *tunables.Set

	// Warnings are problems that do not stop the daemon (a deprecated
	// option name, an obsolete tunable), each "PATH:LINE: message". The
	// daemon logs them at startup.
	Warnings []string
}

// LoggingConfig is the [logging] section.
type LoggingConfig struct {
	// Location is file:PATH, syslog, syslog:nonblocking, syslog:udp,
	// syslog:udp-rfc5424 or syslog:unix:PATH.
	Location string
	// Level is ERROR, WARNING, NOTICE, INFO or DEBUG (always upper case).
	Level string
}

// ClusterConfig is the [cluster] section.
type ClusterConfig struct {
	// ClusterLock is the recovery lock: a file path or "!helper args".
	// Empty means none (split brain is then possible).
	ClusterLock string
	// NodeAddress, if set, is this node's address in the nodes file
	// (canonical form); otherwise the daemon finds it among local addresses.
	NodeAddress      string
	TransportPort    int  // TCP port of the node transport
	LeaderTimeout    int  // seconds without leader broadcasts before an election
	LeaderCapability bool // false: this node never becomes leader
	// NodesList replaces ConfigDir/nodes when set; see Config.NodesFile.
	NodesList string
}

// EventConfig is the [event] section.
type EventConfig struct {
	// DebugScript runs when an event script times out; "" = none.
	DebugScript string
}

// FailoverConfig is the [failover] section.
type FailoverConfig struct {
	Disabled                bool // no public IP handling at all
	ShutdownFailoverTimeout int  // seconds to wait for IPs to move away at shutdown
	ShutdownExtraTimeout    int  // extra seconds to wait at shutdown
}

// LegacyConfig is the [legacy] section.
type LegacyConfig struct {
	RealtimeScheduling bool
	LmasterCapability  bool
	StartAsStopped     bool
	StartAsDisabled    bool
	ScriptLogLevel     string
}

// PathsConfig holds the resolved run-time paths (all absolute).
type PathsConfig struct {
	RunDir  string // $CTDB_RUNDIR > [paths] run directory > /var/run/ctdb
	VarDir  string // $CTDB_VARDIR > [paths] state directory > /var/lib/ctdb
	Socket  string // $CTDB_SOCKET > [paths] socket > RunDir/ctdbd.socket
	PidFile string // RunDir/ctdbd.pid
}

// Node is one line of the nodes file.
type Node struct {
	PNN     uint32
	Addr    netip.Addr // zero for a deleted line that holds no address
	Deleted bool
}

// PublicAddress is one line of public_addresses.
type PublicAddress struct {
	// Prefix is the address with its mask, e.g. 10.0.0.5/24; it is NOT
	// masked, Prefix.Addr() is the public address itself.
	Prefix netip.Prefix
	Ifaces []string
}

// Defaults for ctdb.conf options, as in ctdb.conf(5).
const (
	DefaultLogLocation      = "file:/var/log/log.ctdb"
	DefaultLogLevel         = "NOTICE"
	DefaultTransportPort    = 4379
	DefaultLeaderTimeout    = 5
	DefaultShutdownFailover = 10
	DefaultRunDir           = "/var/run/ctdb"
	DefaultVarDir           = "/var/lib/ctdb"
	SocketName              = "ctdbd.socket"
	PidFileName             = "ctdbd.pid"
)

// Default returns the configuration used when ctdb.conf is absent,
// ignoring the environment. Nodes, addresses and tunables are empty.
func Default(configDir string) *Config {
	c := unresolvedDefault(configDir)
	_ = resolvePaths(c, func(string) string { return "" })
	return c
}

// unresolvedDefault is Default with Paths left empty, so that the paths
// resolution can tell "set in ctdb.conf" from "not set".
func unresolvedDefault(configDir string) *Config {
	c := &Config{ConfigDir: configDir}
	c.Logging = LoggingConfig{Location: DefaultLogLocation, Level: DefaultLogLevel}
	c.Cluster = ClusterConfig{
		TransportPort:    DefaultTransportPort,
		LeaderTimeout:    DefaultLeaderTimeout,
		LeaderCapability: true,
	}
	c.Failover = FailoverConfig{ShutdownFailoverTimeout: DefaultShutdownFailover}
	c.Legacy = LegacyConfig{RealtimeScheduling: true, LmasterCapability: true, ScriptLogLevel: "ERROR"}
	return c
}
