// Package hangfs is a test fixture: a pass-through FUSE filesystem over a
// backing directory that can be frozen. While frozen, every FUSE request
// (except INIT, FORGET, INTERRUPT and DESTROY, which never reach it) is parked
// until Thaw, so processes using the mount hang exactly as they would on a
// hung cluster filesystem. See /work/shared/reference/hung-filesystem.md for
// the behaviour this reproduces and the pitfalls it exists to test.
//
// Design:
//   - fs.NewLoopbackRoot(backing) is wrapped at the fuse.RawFileSystem layer
//     by gatedFS. Requests park in the gate before reaching go-fuse's node
//     layer, so a parked request holds no go-fuse lock, and go-fuse keeps
//     reading new requests on other goroutines.
//   - Entry, attr and negative timeouts are 0 and every open gets
//     FOPEN_DIRECT_IO, so the kernel cache never answers for a frozen mount.
//     Kernel passthrough is disabled for the same reason.
//   - POSIX fcntl locks are served from an in-memory table (locks.go) unless
//     Options.KernelLocks is set. BSD flock() always stays kernel-local.
//
// Use from tests: call ReexecInPrivateMountNS from TestMain, skip when
// Available reports false, Mount over a temp dir, and let only child
// processes touch the mount while it is frozen (the test process itself
// would park a thread it can never get back before Thaw). Clean up with
// Thaw and Unmount in t.Cleanup.
//
// The hangfs command (cmd/hangfs) serves the same filesystem with a line
// protocol on a unix control socket (control.go).
package hangfs
