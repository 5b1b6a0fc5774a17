package clusterlock

import (
	"bytes"
	"testing"
)

func TestReadAnswerWithToken(t *testing.T) {
	cases := []struct {
		in    string
		res   Result
		token int64
	}{
		{"0", ResultLocked, 0},
		{"0" + FormatToken(1234), ResultLocked, 1234},
		{"0fencing-token 12", ResultLocked, 0}, // partial line: not waited for
		{"0fencing-token x\n", ResultLocked, 0},
		{"0fencing-token -3\n", ResultLocked, 0},
		{"0garbage\n", ResultLocked, 0},
		{"1" + FormatToken(5), ResultContended, 0}, // a token counts only with '0'
		{"3", ResultError, 0},
	}
	for _, c := range cases {
		res, token, err := readAnswer(bytes.NewBufferString(c.in))
		if err != nil || res != c.res || token != c.token {
			t.Errorf("readAnswer(%q) = %v, %d, %v; want %v, %d", c.in, res, token, err, c.res, c.token)
		}
	}
	if _, _, err := readAnswer(bytes.NewBufferString("")); err != ErrNoAnswer {
		t.Errorf("empty answer: %v, want ErrNoAnswer", err)
	}
}
