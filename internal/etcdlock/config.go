package etcdlock

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// Name is the helper's file name.
const Name = "ctdb_etcd_lock"

// Defaults of the helper's options.
const (
	DefaultEndpoints   = "127.0.0.1:2379"
	DefaultPrefix      = "/ctdb"
	DefaultCluster     = "ctdb"
	DefaultTTL         = 10 * time.Second
	DefaultPingTimeout = 5 * time.Second
	DefaultGiveUp      = 0.5
)

// Config is the helper's command line.
type Config struct {
	// Endpoints are the etcd members' client URLs or host:port.
	Endpoints []string
	// CACert, Cert and Key are PEM files for TLS: the CA that signed the
	// members' certificates, and this client's certificate and key. With
	// none of them set the helper speaks plain HTTP/2.
	CACert, Cert, Key string
	// Prefix and Cluster make the lock's key prefix, Prefix/Cluster/lock,
	// so several clusters can share one etcd.
	Prefix, Cluster string
	// TTL is the lease's time to live. A holder that etcd cannot reach
	// loses the lock after TTL; a longer TTL rides out longer etcd
	// hiccups, a shorter one hands the lock over sooner.
	TTL time.Duration
	// GiveUp is the fraction of TTL after the last successful keep-alive
	// at which the helper gives the lock up by itself: it must be below 1,
	// so a cut-off holder stops before etcd expires its lease.
	GiveUp float64
	// PingTimeout is the longest gap between two pings from the parent.
	PingTimeout time.Duration
}

// Usage is printed with argument errors.
const Usage = "usage: " + Name + " [--endpoints URL,...] [--cacert FILE --cert FILE --key FILE]" +
	" [--prefix KEY] [--cluster NAME] [--ttl SECONDS] [--give-up FRACTION] [--ping-timeout SECONDS]"

// ParseArgs parses the helper's options ("-x" and "--x", "--x=v" and
// "--x v" all work).
func ParseArgs(args []string) (Config, error) {
	c := Config{Prefix: DefaultPrefix, Cluster: DefaultCluster, TTL: DefaultTTL,
		GiveUp: DefaultGiveUp, PingTimeout: DefaultPingTimeout}
	fs := flag.NewFlagSet(Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	endpoints := fs.String("endpoints", DefaultEndpoints, "")
	fs.StringVar(&c.CACert, "cacert", "", "")
	fs.StringVar(&c.Cert, "cert", "", "")
	fs.StringVar(&c.Key, "key", "", "")
	fs.StringVar(&c.Prefix, "prefix", c.Prefix, "")
	fs.StringVar(&c.Cluster, "cluster", c.Cluster, "")
	fs.Func("ttl", "", secondsFlag(&c.TTL))
	fs.Func("ping-timeout", "", secondsFlag(&c.PingTimeout))
	fs.Func("give-up", "", func(s string) error {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f > 0 && f < 1) {
			return errors.New("want a fraction between 0 and 1 (exclusive)")
		}
		c.GiveUp = f
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("%v; %s", err, Usage)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), Usage)
	}
	for _, e := range strings.Split(*endpoints, ",") {
		if e = strings.TrimSpace(e); e != "" {
			c.Endpoints = append(c.Endpoints, e)
		}
	}
	return c, c.Validate()
}

// Validate checks the relations between the options.
func (c Config) Validate() error {
	switch {
	case len(c.Endpoints) == 0:
		return errors.New("--endpoints: no etcd endpoint given")
	case c.TTL < 2*time.Second || c.TTL%time.Second != 0:
		return fmt.Errorf("--ttl %v: want a whole number of seconds, at least 2 (etcd grants leases in seconds)", c.TTL)
	case c.Cluster == "" || strings.Contains(c.Cluster, "/"):
		return fmt.Errorf("--cluster %q: want a non-empty name without '/'", c.Cluster)
	case !strings.HasPrefix(c.Prefix, "/"):
		return fmt.Errorf("--prefix %q: want a key starting with '/'", c.Prefix)
	case (c.Cert == "") != (c.Key == ""):
		return errors.New("--cert and --key go together")
	}
	return nil
}

// LockPrefix is the key prefix of the lock: one key per contender below it,
// the oldest holds the lock.
func (c Config) LockPrefix() string { return path.Join(c.Prefix, c.Cluster, "lock") }

// GiveUpAfter is how long after the start of its last successful
// keep-alive the holder gives the lock up.
func (c Config) GiveUpAfter() time.Duration { return time.Duration(float64(c.TTL) * c.GiveUp) }

// RequestTimeout bounds every etcd request: a quarter of the TTL, below
// the third that lets a request fail over to another member and still
// leave time for a keep-alive to succeed before the give-up.
func (c Config) RequestTimeout() time.Duration { return c.TTL / 4 }

// KeepAliveInterval is how often a keep-alive is sent: several fit in the
// give-up window, so one lost to a dead member is not fatal.
func (c Config) KeepAliveInterval() time.Duration { return c.TTL / 8 }

func secondsFlag(d *time.Duration) func(string) error {
	return func(s string) error {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > 86400 {
			return errors.New("want seconds between 0 and 86400")
		}
		*d = time.Duration(f * float64(time.Second))
		return nil
	}
}
