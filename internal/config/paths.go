package config

import (
	"fmt"
	"path/filepath"
)

// resolvePaths fills c.Paths: environment first, then what ctdb.conf set
// (already in c.Paths, checked when applied), then the defaults. Only an
// environment value can fail here.
func resolvePaths(c *Config, getenv func(string) string) error {
	p := &c.Paths
	if err := fromEnv(&p.RunDir, getenv, "CTDB_RUNDIR"); err != nil {
		return err
	}
	if err := fromEnv(&p.VarDir, getenv, "CTDB_VARDIR"); err != nil {
		return err
	}
	if err := fromEnv(&p.Socket, getenv, "CTDB_SOCKET"); err != nil {
		return err
	}
	if p.RunDir == "" {
		p.RunDir = DefaultRunDir
	}
	if p.VarDir == "" {
		p.VarDir = DefaultVarDir
	}
	if p.Socket == "" {
		p.Socket = filepath.Join(p.RunDir, SocketName)
	}
	p.PidFile = filepath.Join(p.RunDir, PidFileName)
	resolveDatabaseDirs(c)
	return nil
}

// fromEnv overrides *dst with a non-empty, absolute $name.
func fromEnv(dst *string, getenv func(string) string, name string) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	if !filepath.IsAbs(v) {
		return fmt.Errorf("$%s: path %q must be absolute", name, v)
	}
	*dst = filepath.Clean(v)
	return nil
}
