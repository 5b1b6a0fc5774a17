// Command onnode runs a command on cluster nodes. See internal/onnode.
package main

import (
	"os"

	"github.com/ctdb-go/ctdb/internal/onnode"
)

func main() {
	os.Exit(onnode.Main(os.Args[1:], onnode.Env{
		Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getwd: os.Getwd,
	}))
}
