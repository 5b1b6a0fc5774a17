package pollstdin

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A child whose stdin is a pipe reads it through the poller: every byte
// arrives, and EOF ends the read, as with a blocking stdin.
func TestPipeIsReadThroughThePoller(t *testing.T) {
	if os.Getenv("POLLSTDIN_CHILD") == "1" {
		f := Open()
		if f == os.Stdin {
			os.Stdout.WriteString("not pollable")
			os.Exit(1)
		}
		var got []byte
		buf := make([]byte, 3)
		for {
			n, err := f.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		os.Stdout.Write(got)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPipeIsReadThroughThePoller$")
	cmd.Env = append(os.Environ(), "POLLSTDIN_CHILD=1")
	cmd.Stdin = strings.NewReader("ping\nping\n") // exec feeds it through a pipe
	out, err := cmd.Output()
	if err != nil || string(out) != "ping\nping\n" {
		t.Fatalf("child read %q, err %v", out, err)
	}
}

// A stdin that is not a pipe (here a regular file) is left as it is.
func TestNonPipeIsLeftBlocking(t *testing.T) {
	if os.Getenv("POLLSTDIN_CHILD") == "2" {
		if Open() != os.Stdin {
			os.Exit(1)
		}
		os.Exit(0)
	}
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestNonPipeIsLeftBlocking$")
	cmd.Env = append(os.Environ(), "POLLSTDIN_CHILD=2")
	cmd.Stdin = f
	if err := cmd.Run(); err != nil {
		t.Fatalf("a regular file as stdin was made pollable: %v", err)
	}
}
