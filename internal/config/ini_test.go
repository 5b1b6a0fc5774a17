package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseINI_Good(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []iniEntry
	}{
		{"empty", "", nil},
		{"comments only", "# a\n; b\n\n   # c\n", nil},
		{"section only", "[cluster]\n", nil},
		{
			"keys with spaces",
			"[cluster]\n\tcluster lock = /x/lock\n  leader timeout=7\n",
			[]iniEntry{
				{section: "cluster", key: "cluster lock", value: "/x/lock", line: 2},
				{section: "cluster", key: "leader timeout", value: "7", line: 3},
			},
		},
		{
			"case folded, value kept",
			"[ CLUSTER ]\nCluster Lock = !/bin/Helper A#B;C\n",
			[]iniEntry{{section: "cluster", key: "cluster lock", value: "!/bin/Helper A#B;C", line: 2}},
		},
		{
			"empty value and CRLF",
			"[event]\r\ndebug script =\r\n",
			[]iniEntry{{section: "event", key: "debug script", value: "", line: 2}},
		},
		{
			"repeated section merges",
			"[logging]\nlocation = syslog\n[cluster]\n[logging]\nlog level = INFO\n",
			[]iniEntry{
				{section: "logging", key: "location", value: "syslog", line: 2},
				{section: "logging", key: "log level", value: "INFO", line: 5},
			},
		},
		{
			"value with equals",
			"[cluster]\ncluster lock = !/bin/h --opt=1\n",
			[]iniEntry{{section: "cluster", key: "cluster lock", value: "!/bin/h --opt=1", line: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseINI([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(doc.entries, tt.want) {
				t.Errorf("entries = %+v\nwant %+v", doc.entries, tt.want)
			}
		})
	}
}

func TestParseINI_Bad(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		line    int
		problem string
	}{
		{"no section", "# hi\nkey = v\n", 2, `option "key" is not in any [section]`},
		{"no equals", "[cluster]\n\ncluster lock\n", 3, `expected "key = value"`},
		{"empty key", "[cluster]\n = 5\n", 2, `expected "key = value"`},
		{"unclosed section", "[cluster\n", 1, `expected "[section]"`},
		{"empty section", "[]\n", 1, `expected "[section]"`},
		{"nested brackets", "[[x]]\n", 1, `expected "[section]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseINI([]byte(tt.in))
			var se *iniSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want iniSyntaxError", err)
			}
			if se.line != tt.line || !strings.Contains(se.msg, tt.problem) {
				t.Errorf("got line %d %q, want line %d containing %q", se.line, se.msg, tt.line, tt.problem)
			}
		})
	}
}

// TestINIValues_LaterValueWins checks the lookup ParseConf applies:
// "section.key with spaces", case-folded, the later value of a key set
// twice, unset keys absent, values kept verbatim.
func TestINIValues_LaterValueWins(t *testing.T) {
	doc, err := parseINI([]byte("[Cluster]\nCluster Lock = /shared/.lock\ntransport port = 4400\n" +
		"[failover]\ndisabled = yes\n[cluster]\ntransport port = 4401\n[event]\ndebug script = !/bin/x a=b #c\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cluster.cluster lock":   "/shared/.lock",
		"cluster.transport port": "4401",
		"failover.disabled":      "yes",
		"event.debug script":     "!/bin/x a=b #c",
	}
	if got := doc.values(); !reflect.DeepEqual(got, want) {
		t.Errorf("values() = %v, want %v", got, want)
	}
}
