package rsyslogd

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// send writes one raw syslog datagram to the server's socket.
func send(t *testing.T, socket, msg string) {
	t.Helper()
	c, err := net.Dial("unixgram", socket)
	if err != nil {
		t.Fatalf("dial %s: %v", socket, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func TestServerReceivesAndParsesTagAndPID(t *testing.T) {
	srv := Start(t)
	if srv.PID <= 0 {
		t.Fatalf("PID = %d", srv.PID)
	}
	// A unique marker: the output must come from this run, not a fixture.
	marker := fmt.Sprintf("marker-%d", time.Now().UnixNano())
	send(t, srv.Socket, "<29>Nov 22 04:16:08 some-tag[4242]: "+marker+" first")
	send(t, srv.Socket, "<29>Nov 22 04:16:09 some-tag[4242]: "+marker+" second")

	line := srv.WaitFor(t, marker+" second", 5*time.Second)
	if !strings.Contains(line, " some-tag[4242]: "+marker+" second") {
		t.Errorf("line %q lacks the tag, pid or message", line)
	}
	var got []string
	for _, l := range srv.Lines() {
		if strings.Contains(l, marker) {
			got = append(got, l)
		}
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], marker+" first") {
		t.Errorf("marker lines = %q, want first then second", got)
	}
}

func TestNetSocketUsesHostFromMessage(t *testing.T) {
	srv := Start(t)
	marker := fmt.Sprintf("marker-%d", time.Now().UnixNano())
	send(t, srv.NetSocket, "<29>Nov 22 04:16:08 otherhost tag3164[11]: "+marker)
	send(t, srv.NetSocket, "<29>1 2026-11-22T04:16:08.125204+00:00 host5424 tag5424 12 - - "+marker)

	if l := srv.WaitFor(t, "tag3164[11]: "+marker, 5*time.Second); !strings.Contains(l, " otherhost tag3164[11]: ") {
		t.Errorf("RFC 3164 line %q lacks host otherhost", l)
	}
	if l := srv.WaitFor(t, "tag5424[12]: "+marker, 5*time.Second); !strings.Contains(l, " host5424 tag5424[12]: ") {
		t.Errorf("RFC 5424 line %q lacks host host5424", l)
	}
}

func TestCleanupStopsDaemonAndRemovesDir(t *testing.T) {
	var srv *Server
	t.Run("inner", func(t *testing.T) {
		srv = Start(t)
	})
	if srv == nil {
		t.Skip("rsyslogd not started")
	}
	// The inner test's cleanup has run: the process is reaped and gone.
	if err := syscall.Kill(srv.PID, 0); err == nil {
		t.Errorf("rsyslogd pid %d still exists after cleanup", srv.PID)
	}
	if _, err := os.Stat(srv.dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s still there: %v", srv.dir, err)
	}
}
