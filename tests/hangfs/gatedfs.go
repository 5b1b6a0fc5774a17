package hangfs

import (
	"github.com/hanwen/go-fuse/v2/fuse"
)

// gatedFS wraps go-fuse's node layer (inner) at the raw protocol level.
// Every request method first passes the gate, so while frozen it parks
// before inner takes any lock. Only Forget (no reply, may not block the
// kernel's inode eviction), Init, OnUnmount, String and SetDebug bypass the
// gate; INIT, INTERRUPT and DESTROY are answered by go-fuse itself.
//
// Every method is spelled out (no embedding) so that a RawFileSystem method
// added by a go-fuse upgrade breaks the build instead of silently bypassing
// the gate.
type gatedFS struct {
	inner fuse.RawFileSystem
	gate  *gate
	// locks serves POSIX locks; nil when locks stay in the kernel.
	locks *lockTable
}

var _ fuse.RawFileSystem = (*gatedFS)(nil)

// directIO makes read/write on open files reach us instead of the page cache.
func directIO(out *fuse.OpenOut) {
	out.OpenFlags |= fuse.FOPEN_DIRECT_IO
	out.OpenFlags &^= fuse.FOPEN_KEEP_CACHE
}

func (g *gatedFS) String() string        { return "hangfs(" + g.inner.String() + ")" }
func (g *gatedFS) SetDebug(debug bool)   { g.inner.SetDebug(debug) }
func (g *gatedFS) Init(s *fuse.Server)   { g.inner.Init(s) }
func (g *gatedFS) OnUnmount()            { g.inner.OnUnmount() }
func (g *gatedFS) Forget(node, n uint64) { g.inner.Forget(node, n) }

func (g *gatedFS) Lookup(cancel <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Lookup(cancel, h, name, out)
}

func (g *gatedFS) GetAttr(cancel <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.GetAttr(cancel, in, out)
}

func (g *gatedFS) SetAttr(cancel <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.SetAttr(cancel, in, out)
}

func (g *gatedFS) Mknod(cancel <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Mknod(cancel, in, name, out)
}

func (g *gatedFS) Mkdir(cancel <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Mkdir(cancel, in, name, out)
}

func (g *gatedFS) Unlink(cancel <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Unlink(cancel, h, name)
}

func (g *gatedFS) Rmdir(cancel <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Rmdir(cancel, h, name)
}

func (g *gatedFS) Rename(cancel <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Rename(cancel, in, oldName, newName)
}

func (g *gatedFS) Link(cancel <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Link(cancel, in, name, out)
}

func (g *gatedFS) Symlink(cancel <-chan struct{}, h *fuse.InHeader, target, name string, out *fuse.EntryOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Symlink(cancel, h, target, name, out)
}

func (g *gatedFS) Readlink(cancel <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	if !g.gate.pass(cancel) {
		return nil, fuse.EINTR
	}
	return g.inner.Readlink(cancel, h)
}

func (g *gatedFS) Access(cancel <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Access(cancel, in)
}

func (g *gatedFS) GetXAttr(cancel <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	if !g.gate.pass(cancel) {
		return 0, fuse.EINTR
	}
	return g.inner.GetXAttr(cancel, h, attr, dest)
}

func (g *gatedFS) ListXAttr(cancel <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	if !g.gate.pass(cancel) {
		return 0, fuse.EINTR
	}
	return g.inner.ListXAttr(cancel, h, dest)
}

func (g *gatedFS) SetXAttr(cancel <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.SetXAttr(cancel, in, attr, data)
}

func (g *gatedFS) RemoveXAttr(cancel <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.RemoveXAttr(cancel, h, attr)
}

func (g *gatedFS) Create(cancel <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	st := g.inner.Create(cancel, in, name, out)
	directIO(&out.OpenOut)
	return st
}

func (g *gatedFS) Tmpfile(cancel <-chan struct{}, in *fuse.CreateIn, out *fuse.CreateOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	st := g.inner.Tmpfile(cancel, in, out)
	directIO(&out.OpenOut)
	return st
}

func (g *gatedFS) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	st := g.inner.Open(cancel, in, out)
	directIO(out)
	return st
}

func (g *gatedFS) Read(cancel <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	if !g.gate.pass(cancel) {
		return nil, fuse.EINTR
	}
	return g.inner.Read(cancel, in, buf)
}

func (g *gatedFS) Lseek(cancel <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Lseek(cancel, in, out)
}

func (g *gatedFS) GetLk(cancel <-chan struct{}, in *fuse.LkIn, out *fuse.LkOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	if g.locks == nil {
		return g.inner.GetLk(cancel, in, out)
	}
	lk, errno := g.locks.getLk(in.NodeId, in.Owner, in.Lk)
	out.Lk = lk
	return fuse.Status(errno)
}

func (g *gatedFS) SetLk(cancel <-chan struct{}, in *fuse.LkIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	if g.locks == nil {
		return g.inner.SetLk(cancel, in)
	}
	return fuse.Status(g.locks.setLk(in.NodeId, in.Owner, in.Lk))
}

func (g *gatedFS) SetLkw(cancel <-chan struct{}, in *fuse.LkIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	if g.locks == nil {
		return g.inner.SetLkw(cancel, in)
	}
	return fuse.Status(g.locks.setLkw(cancel, in.NodeId, in.Owner, in.Lk))
}

// Release closes the backing file even when an interruptible park was
// cancelled: RELEASE has no caller to report to, and skipping it would leak
// the fd.
func (g *gatedFS) Release(cancel <-chan struct{}, in *fuse.ReleaseIn) {
	g.gate.pass(cancel)
	g.inner.Release(cancel, in)
}

func (g *gatedFS) Write(cancel <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	if !g.gate.pass(cancel) {
		return 0, fuse.EINTR
	}
	return g.inner.Write(cancel, in, data)
}

func (g *gatedFS) Writev(cancel <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	if !g.gate.pass(cancel) {
		return 0, fuse.EINTR
	}
	return g.inner.Writev(cancel, in, data)
}

func (g *gatedFS) CopyFileRange(cancel <-chan struct{}, in *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	if !g.gate.pass(cancel) {
		return 0, fuse.EINTR
	}
	return g.inner.CopyFileRange(cancel, in)
}

func (g *gatedFS) Ioctl(cancel <-chan struct{}, in *fuse.IoctlIn, inbuf []byte, out *fuse.IoctlOut, outbuf []byte) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Ioctl(cancel, in, inbuf, out, outbuf)
}

// Flush runs on every close(). It carries the closing process's lock owner,
// and POSIX says closing any fd drops that process's locks on the file.
func (g *gatedFS) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	st := g.inner.Flush(cancel, in)
	if g.locks != nil {
		g.locks.releaseOwner(in.NodeId, in.LockOwner)
	}
	return st
}

func (g *gatedFS) Fsync(cancel <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Fsync(cancel, in)
}

func (g *gatedFS) Fallocate(cancel <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Fallocate(cancel, in)
}

func (g *gatedFS) OpenDir(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.OpenDir(cancel, in, out)
}

func (g *gatedFS) ReadDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.ReadDir(cancel, in, out)
}

func (g *gatedFS) ReadDirPlus(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.ReadDirPlus(cancel, in, out)
}

// ReleaseDir has no cancel channel in go-fuse; it parks like the rest.
func (g *gatedFS) ReleaseDir(in *fuse.ReleaseIn) {
	g.gate.pass(nil)
	g.inner.ReleaseDir(in)
}

func (g *gatedFS) FsyncDir(cancel <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.FsyncDir(cancel, in)
}

func (g *gatedFS) StatFs(cancel <-chan struct{}, in *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.StatFs(cancel, in, out)
}

func (g *gatedFS) Statx(cancel <-chan struct{}, in *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	if !g.gate.pass(cancel) {
		return fuse.EINTR
	}
	return g.inner.Statx(cancel, in, out)
}
