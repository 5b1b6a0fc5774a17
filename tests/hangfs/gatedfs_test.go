package hangfs

import (
	"reflect"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// bypassGate lists the only RawFileSystem methods that may run while frozen.
var bypassGate = map[string]bool{
	"String": true, "SetDebug": true, "Init": true, "OnUnmount": true, "Forget": true,
}

// callArgs builds harmless arguments for method type m: fresh structs for
// pointers, a nil cancel channel, a name for strings.
func callArgs(m reflect.Type) []reflect.Value {
	args := make([]reflect.Value, m.NumIn())
	for i := range args {
		in := m.In(i)
		switch in.Kind() {
		case reflect.Pointer:
			args[i] = reflect.New(in.Elem())
		case reflect.String:
			args[i] = reflect.ValueOf("name")
		default:
			args[i] = reflect.Zero(in)
		}
	}
	return args
}

// Every request method parks while frozen and goes on after thaw; the few
// bookkeeping methods never park.
func TestGatedFSParksEveryRequest(t *testing.T) {
	iface := reflect.TypeOf((*fuse.RawFileSystem)(nil)).Elem()
	for i := 0; i < iface.NumMethod(); i++ {
		name := iface.Method(i).Name
		t.Run(name, func(t *testing.T) {
			g := &gatedFS{inner: fuse.NewDefaultRawFileSystem(), gate: newGate(false), locks: newLockTable()}
			method := reflect.ValueOf(g).MethodByName(name)
			g.gate.freeze()
			defer g.gate.thaw()
			done := make(chan struct{})
			go func() {
				method.Call(callArgs(method.Type()))
				close(done)
			}()
			if bypassGate[name] {
				select {
				case <-done:
				case <-time.After(testWait):
					t.Fatalf("%s blocked while frozen; it must bypass the gate", name)
				}
				return
			}
			parked := make(chan error, 1)
			go func() { parked <- g.gate.waitBlocked(1, testWait) }()
			select {
			case <-done:
				t.Fatalf("%s returned while frozen", name)
			case err := <-parked:
				if err != nil {
					t.Fatalf("%s did not park while frozen: %v", name, err)
				}
			}
			g.gate.thaw()
			select {
			case <-done:
			case <-time.After(testWait):
				t.Fatalf("%s still blocked after thaw", name)
			}
		})
	}
}

func TestGatedFSOpenSetsDirectIO(t *testing.T) {
	g := &gatedFS{inner: keepCacheFS{fuse.NewDefaultRawFileSystem()}, gate: newGate(false)}
	var out fuse.OpenOut
	g.Open(nil, &fuse.OpenIn{}, &out)
	var cout fuse.CreateOut
	g.Create(nil, &fuse.CreateIn{}, "f", &cout)
	for _, flags := range []uint32{out.OpenFlags, cout.OpenFlags} {
		if flags&fuse.FOPEN_DIRECT_IO == 0 || flags&fuse.FOPEN_KEEP_CACHE != 0 {
			t.Fatalf("open flags %#x: want DIRECT_IO set and KEEP_CACHE clear", flags)
		}
	}
}

// keepCacheFS asks for the page cache, which gatedFS must override.
type keepCacheFS struct{ fuse.RawFileSystem }

func (keepCacheFS) Open(_ <-chan struct{}, _ *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	out.OpenFlags = fuse.FOPEN_KEEP_CACHE
	return fuse.OK
}

func (keepCacheFS) Create(_ <-chan struct{}, _ *fuse.CreateIn, _ string, out *fuse.CreateOut) fuse.Status {
	out.OpenFlags = fuse.FOPEN_KEEP_CACHE
	return fuse.OK
}

func TestGatedFSFlushDropsOwnerLocks(t *testing.T) {
	g := &gatedFS{inner: fuse.NewDefaultRawFileSystem(), gate: newGate(false), locks: newLockTable()}
	lk := func(owner uint64) *fuse.LkIn {
		in := &fuse.LkIn{Owner: owner, Lk: wr(0, 0, uint32(owner))}
		in.NodeId = 5
		return in
	}
	if st := g.SetLk(nil, lk(1)); st != fuse.OK {
		t.Fatalf("SetLk: %v", st)
	}
	if st := g.SetLk(nil, lk(2)); st != fuse.Status(fuse.EAGAIN) {
		t.Fatalf("conflicting SetLk: %v, want EAGAIN", st)
	}
	var out fuse.LkOut
	g.GetLk(nil, lk(2), &out)
	if out.Lk.Pid != 1 || out.Lk.Typ != wr(0, 0, 0).Typ {
		t.Fatalf("GetLk = %+v, want owner 1's write lock", out.Lk)
	}
	flush := &fuse.FlushIn{LockOwner: 1}
	flush.NodeId = 5
	g.Flush(nil, flush)
	if st := g.SetLk(nil, lk(2)); st != fuse.OK {
		t.Fatalf("SetLk after the holder's FLUSH: %v", st)
	}
}

func TestMountOptions(t *testing.T) {
	for _, kernelLocks := range []bool{false, true} {
		mo := mountOptions(Options{KernelLocks: kernelLocks}, "/backing")
		const off = fuse.CAP_PASSTHROUGH | fuse.CAP_FLOCK_LOCKS
		if mo.DisabledCapabilities&off != off {
			t.Errorf("DisabledCapabilities %#x: passthrough and flock must be off", mo.DisabledCapabilities)
		}
		if mo.EnableLocks == kernelLocks {
			t.Errorf("KernelLocks=%t: EnableLocks=%t, want POSIX locks forwarded only without KernelLocks", kernelLocks, mo.EnableLocks)
		}
		if mo.Name != "hangfs" || mo.FsName != "/backing" || mo.AllowOther {
			t.Errorf("Name %q FsName %q AllowOther %t", mo.Name, mo.FsName, mo.AllowOther)
		}
	}
}
