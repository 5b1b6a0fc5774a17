package hangfs

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// fusermountPath finds fusermount3, or the older fusermount.
func fusermountPath() (string, bool) {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// lazyUnmount detaches the mount even while calls in it are blocked
// (umount -l). Unlike plain umount(8) it never stat()s the mountpoint, so it
// cannot hang on a frozen mount.
func lazyUnmount(mnt string) error {
	err := unix.Unmount(mnt, unix.MNT_DETACH)
	if err == nil {
		return nil
	}
	bin, ok := fusermountPath()
	if !ok {
		return fmt.Errorf("umount2(MNT_DETACH): %w (and no fusermount3 found)", err)
	}
	out, ferr := exec.Command(bin, "-u", "-z", mnt).CombinedOutput()
	if ferr != nil {
		return fmt.Errorf("umount2(MNT_DETACH): %v; %s -u -z: %v: %s", err, bin, ferr, strings.TrimSpace(string(out)))
	}
	return nil
}

// closeFuseFdsOnExec marks every open /dev/fuse fd close-on-exec. go-fuse's
// direct mount opens it without O_CLOEXEC, and a child holding it would keep
// the connection alive after we die.
func closeFuseFdsOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || target != "/dev/fuse" {
			continue
		}
		var fd int
		if _, err := fmt.Sscan(e.Name(), &fd); err == nil {
			unix.CloseOnExec(fd)
		}
	}
}
