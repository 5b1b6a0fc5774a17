package probe

import (
	"strings"
	"testing"
	"time"
)

func TestFormatStatfs(t *testing.T) {
	// 4 KiB blocks: 1000 total, 250 free, 200 available to users.
	st := &StatfsInfo{Bsize: 4096, Frsize: 4096, Blocks: 1000, Bfree: 250, Bavail: 200}
	got := FormatStatfs("/cluster", st)
	want := "Filesystem     1K-blocks      Used Available Use% Mounted on\n" +
		"/cluster            4000      3000       800  79% /cluster\n"
	if got != want {
		t.Fatalf("FormatStatfs:\n%q\nwant\n%q", got, want)
	}
}

func TestUsePercent(t *testing.T) {
	cases := []struct {
		blocks, bfree, bavail uint64
		want                  uint64
		ok                    bool
	}{
		{1000, 250, 200, 79, true}, // 750/950 = 78.9 -> 79 (rounded up like df)
		{100, 50, 50, 50, true},
		{100, 100, 100, 0, true},
		{100, 0, 0, 100, true},
		{3, 2, 2, 34, true}, // 1/3 -> 34
		{0, 0, 0, 0, false}, // no blocks: df prints "-"
	}
	for _, c := range cases {
		got, ok := (&StatfsInfo{Blocks: c.blocks, Bfree: c.bfree, Bavail: c.bavail}).UsePercent()
		if got != c.want || ok != c.ok {
			t.Errorf("UsePercent(%d/%d/%d) = %d,%v want %d,%v", c.blocks, c.bfree, c.bavail, got, ok, c.want, c.ok)
		}
	}
	if s := FormatStatfs("/p", &StatfsInfo{Bsize: 4096}); !strings.Contains(s, "   - /p") {
		t.Errorf("empty filesystem line %q, want Use%% '-'", s)
	}
}

func TestKiBWithOddBlockSize(t *testing.T) {
	st := &StatfsInfo{Bsize: 512, Blocks: 5, Bfree: 1, Bavail: 1}
	if got := st.kib(st.Blocks); got != 2 { // 2560 bytes -> 2 KiB
		t.Fatalf("kib = %d, want 2", got)
	}
}

func TestFormatStat(t *testing.T) {
	mtime := time.Date(2026, 11, 22, 4, 16, 8, 0, time.FixedZone("x", 3600))
	got := FormatStat("/cluster/.ctdb", &StatInfo{Type: "directory", Size: 4096, Inode: 77, Mtime: mtime})
	want := "/cluster/.ctdb: type=directory size=4096 inode=77 mtime=2026-11-22T03:16:08Z\n"
	if got != want {
		t.Fatalf("FormatStat = %q, want %q", got, want)
	}
}
