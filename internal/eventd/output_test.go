package eventd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

func TestTailBuffer(t *testing.T) {
	cases := []struct {
		max    int
		writes []string
	}{
		{10, nil},
		{10, []string{"short"}},
		{10, []string{"exactly10!"}},
		{10, []string{"0123456789abc"}},
		{4, []string{"ab", "cd", "ef", "g", "hijklm", "n"}},
		{3, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}},
	}
	for _, tc := range cases {
		b := tailBuffer{max: tc.max}
		all := strings.Join(tc.writes, "")
		for _, w := range tc.writes {
			if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		want := all
		if len(all) > tc.max {
			want = fmt.Sprintf("[output truncated: last %d of %d bytes]\n%s", tc.max, len(all), all[len(all)-tc.max:])
		}
		if got := b.String(); got != want {
			t.Errorf("max %d writes %q: got %q, want %q", tc.max, tc.writes, got, want)
		}
	}
}

func TestLineLogger(t *testing.T) {
	logger, hook := logtest.NewNullLogger()
	l := lineLogger{name: "50.x", log: logrus.NewEntry(logger), max: 8}
	for _, w := range []string{"one\ntw", "o\r\n", "\n", "0123456789abcdefghij", "k\nend"} {
		l.Write([]byte(w))
	}
	l.Flush()
	var got []string
	for _, e := range hook.AllEntries() {
		got = append(got, e.Message)
	}
	want := []string{"50.x: one", "50.x: two", "50.x: ", "50.x: 01234567", "50.x: 89abcdef", "50.x: ghijk", "50.x: end"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("logged %q, want %q", got, want)
	}
}
