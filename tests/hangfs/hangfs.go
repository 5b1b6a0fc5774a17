package hangfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Options configures one mount.
type Options struct {
	// Backing is the directory whose contents the mount shows.
	Backing string
	// Mountpoint is an existing empty directory to mount on.
	Mountpoint string
	// KernelLocks leaves POSIX fcntl locks to the kernel (local to this
	// machine, never blocked by a freeze). By default hangfs serves them, so
	// lock calls on a frozen mount hang like on a hung cluster filesystem.
	KernelLocks bool
	// Interruptible lets a parked request fail with EINTR when the kernel
	// interrupts it (the caller got a signal), so blocked processes can be
	// killed. By default they cannot, as with a real hung server.
	Interruptible bool
	// Debug logs every FUSE request through the log package.
	Debug bool
}

// serverExitTimeout bounds how long Unmount waits for the FUSE server to end
// after the mount is gone.
const serverExitTimeout = 10 * time.Second

// FS is one mounted hangfs.
type FS struct {
	mountpoint string
	gate       *gate
	server     *fuse.Server
	done       chan struct{} // closed when Serve returns

	unmountOnce sync.Once
	unmountErr  error
}

// Mount mounts a thawed hangfs showing o.Backing on o.Mountpoint and serves
// it until Unmount.
func Mount(o Options) (*FS, error) {
	if o.Backing == "" || o.Mountpoint == "" {
		return nil, errors.New("hangfs: Options.Backing and Options.Mountpoint are required")
	}
	backing, err := filepath.Abs(o.Backing)
	if err != nil {
		return nil, fmt.Errorf("hangfs: backing dir %q: %w", o.Backing, err)
	}
	mnt, err := filepath.Abs(o.Mountpoint)
	if err != nil {
		return nil, fmt.Errorf("hangfs: mountpoint %q: %w", o.Mountpoint, err)
	}
	root, err := fs.NewLoopbackRoot(backing)
	if err != nil {
		return nil, fmt.Errorf("hangfs: backing dir %s: %w", backing, err)
	}
	mo := mountOptions(o, backing)
	zero := time.Duration(0)
	inner := fs.NewNodeFS(root, &fs.Options{
		MountOptions:    mo,
		EntryTimeout:    &zero,
		AttrTimeout:     &zero,
		NegativeTimeout: &zero,
	})
	g := newGate(o.Interruptible)
	raw := &gatedFS{inner: inner, gate: g}
	if !o.KernelLocks {
		raw.locks = newLockTable()
	}
	server, err := fuse.NewServer(raw, mnt, &mo)
	if err != nil {
		return nil, fmt.Errorf("hangfs: mount %s on %s: %w", backing, mnt, err)
	}
	if mo.DirectMountStrict {
		closeFuseFdsOnExec()
	}
	f := &FS{mountpoint: mnt, gate: g, server: server, done: make(chan struct{})}
	go func() {
		server.Serve()
		close(f.done)
	}()
	if err := server.WaitMount(); err != nil {
		f.Unmount()
		return nil, fmt.Errorf("hangfs: mount %s on %s: %w", backing, mnt, err)
	}
	return f, nil
}

// mountOptions builds the go-fuse options. Kernel passthrough is disabled
// (read/write would bypass us and never hang), and so is flock forwarding
// (BSD locks stay kernel-local, as on the real cluster filesystems).
func mountOptions(o Options, backing string) fuse.MountOptions {
	mo := fuse.MountOptions{
		FsName:               backing,
		Name:                 "hangfs",
		EnableLocks:          !o.KernelLocks,
		DisabledCapabilities: fuse.CAP_PASSTHROUGH | fuse.CAP_FLOCK_LOCKS,
		Debug:                o.Debug,
	}
	// go-fuse's fusermount path marks the /dev/fuse fd close-on-exec; its
	// direct mount path does not (fixed up in closeFuseFdsOnExec). Prefer
	// fusermount and mount directly only as root without it.
	if _, ok := fusermountPath(); !ok && os.Geteuid() == 0 {
		mo.DirectMountStrict = true
	}
	return mo
}

// Mountpoint is the absolute path of the mount.
func (f *FS) Mountpoint() string { return f.mountpoint }

// Freeze parks every later request until Thaw. Requests already being
// served finish normally. No-op after Unmount.
func (f *FS) Freeze() { f.gate.freeze() }

// Thaw releases all parked requests and stops parking.
func (f *FS) Thaw() { f.gate.thaw() }

// Frozen reports whether requests are being parked.
func (f *FS) Frozen() bool { return f.gate.frozen() }

// Blocked is the number of FUSE requests parked now. It counts requests,
// not processes: a second lookup of a name whose lookup is already parked
// waits in the kernel's VFS and is not counted.
func (f *FS) Blocked() int { return f.gate.blocked() }

// WaitBlocked waits until at least n requests are parked at the same time.
// It fails after timeout, or with ErrClosed once Unmount has started.
func (f *FS) WaitBlocked(n int, timeout time.Duration) error {
	return f.gate.waitBlocked(n, timeout)
}

// Done is closed when the FUSE server has ended (after Unmount, or when the
// mount was removed from outside).
func (f *FS) Done() <-chan struct{} { return f.done }

// Unmount thaws for good, unmounts and waits for the FUSE server to end.
// Blocked calls complete normally first. If a process still has files or
// its cwd in the mount, the mount is detached lazily (umount -l) and Unmount
// fails after serverExitTimeout unless that process lets go: end such
// processes before calling it. Safe to call more than once.
func (f *FS) Unmount() error {
	f.unmountOnce.Do(func() { f.unmountErr = f.unmount() })
	return f.unmountErr
}

func (f *FS) unmount() error {
	f.gate.shutdown()
	select {
	case <-f.done:
		return nil // already unmounted from outside
	default:
	}
	// Server.Unmount retries a plain unmount for a few hundred ms; it fails
	// with EBUSY while a process still has files or its cwd in the mount.
	if err := f.server.Unmount(); err != nil {
		if lerr := lazyUnmount(f.mountpoint); lerr != nil {
			return fmt.Errorf("hangfs: unmount %s: %v; lazy unmount: %w", f.mountpoint, err, lerr)
		}
	}
	select {
	case <-f.done:
		return nil
	case <-time.After(serverExitTimeout):
		return fmt.Errorf("hangfs: %s detached, but the FUSE server still runs after %v (a process keeps files open in it)",
			f.mountpoint, serverExitTimeout)
	}
}
