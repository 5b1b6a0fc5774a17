package netns

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ipTimeout bounds every `ip` invocation; none of them should take more
// than milliseconds, and a test must not hang on one.
const ipTimeout = 15 * time.Second

// ip runs `ip args...` and returns its stdout. The error includes the
// command line and stderr.
func ip(args ...string) (string, error) {
	return ipStdin("", args...)
}

// ipBatch runs several `ip` commands in one process (`ip -batch -`), each
// line of cmds being one command. With ns non-empty they run in that
// namespace (`ip -n ns`).
func ipBatch(ns string, cmds []string) error {
	if len(cmds) == 0 {
		return nil
	}
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	_, err := ipStdin(strings.Join(cmds, "\n")+"\n", args...)
	return err
}

func ipStdin(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ipTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "),
			err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
