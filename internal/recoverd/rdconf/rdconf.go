// Package rdconf is the configuration ctdbd hands its recovery daemon: the
// ctdb.conf settings that ctdb-recoverd uses, in one environment variable.
//
// ctdbd has read and checked ctdb.conf when it starts the recovery daemon,
// so the daemon runs with exactly its ctdbd's settings (as CTDB's, a fork
// of ctdbd, does), even if the file has changed since. The recovery daemon
// does not link the configuration reader either: it (then with viper, an
// HTTP stack, TLS, TOML and YAML codecs) made up more than half of its
// binary, and a binary's mapped pages count in every process's RSS.
package rdconf

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Env is the environment variable that carries the configuration.
const Env = "CTDB_RECOVERD_CONFIG"

// Config is what the recovery daemon needs of ctdb.conf and of ctdbd.
type Config struct {
	Socket           string `json:"socket"`       // ctdbd's control socket
	LogLocation      string `json:"log_location"` // as [logging] location; "stderr" too
	LogLevel         string `json:"log_level"`
	ClusterLock      string `json:"cluster_lock"` // [cluster] cluster lock; "" = none
	LeaderTimeout    int    `json:"leader_timeout"`
	LeaderCapability bool   `json:"leader_capability"`
	QuorumMajority   bool   `json:"quorum_majority"`
	FailoverDisabled bool   `json:"failover_disabled"`
	VarDir           string `json:"var_dir"`
}

// EnvEntry is c as a NAME=VALUE environment entry.
func (c Config) EnvEntry() string {
	b, _ := json.Marshal(c) // a struct of strings, ints and bools always encodes
	return Env + "=" + string(b)
}

// FromEnv reads the configuration ctdbd put in the environment.
func FromEnv() (Config, error) {
	v, ok := os.LookupEnv(Env)
	if !ok {
		return Config{}, fmt.Errorf("%s is not set: ctdb-recoverd is started by ctdbd, not by hand", Env)
	}
	return Parse(v)
}

// Parse decodes the variable's value; every field must be known and the
// socket set.
func Parse(v string) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: %v", Env, err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("%s: trailing data after the settings", Env)
	}
	if c.Socket == "" {
		return Config{}, fmt.Errorf("%s: no control socket", Env)
	}
	if c.LeaderTimeout <= 0 {
		return Config{}, fmt.Errorf("%s: leader timeout %d is not positive", Env, c.LeaderTimeout)
	}
	return c, nil
}
