package daemon

import "testing"

// heapInUse reads a runtime metric by name: a name the runtime does not
// know reads as zero, which this catches.
func TestHeapInUseIsRead(t *testing.T) {
	keep := make([]byte, 1<<20)
	if got := heapInUse(); got < uint64(len(keep)) {
		t.Fatalf("heapInUse() = %d, want at least the %d bytes just allocated", got, len(keep))
	}
	_ = keep[len(keep)-1]
}
