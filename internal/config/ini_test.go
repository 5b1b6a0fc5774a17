package config

import (
	"bytes"
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

// TestViper_ReadsINI checks that viper, with our codec, returns the values
// under "section.key with spaces", case-insensitively.
func TestViper_ReadsINI(t *testing.T) {
	v, err := readViper([]byte("[Cluster]\nCluster Lock = /shared/.lock\ntransport port = 4400\n[failover]\ndisabled = yes\n"))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"cluster.cluster lock":   "/shared/.lock",
		"CLUSTER.Cluster Lock":   "/shared/.lock",
		"cluster.transport port": "4400",
		"failover.disabled":      "yes",
	}
	for key, want := range checks {
		if got := v.GetString(key); got != want {
			t.Errorf("GetString(%q) = %q, want %q", key, got, want)
		}
	}
	if v.IsSet("cluster.leader timeout") {
		t.Error("unset key reported as set")
	}
}

// TestViper_RoundTrip writes a config through viper with our encoder and
// reads it back: the settings must survive unchanged.
func TestViper_RoundTrip(t *testing.T) {
	in := `[logging]
location = syslog:unix:/dev/log
log level = debug
[cluster]
cluster lock = !/usr/bin/helper a=b #c
node address = 10.0.0.1
[event]
debug script =
`
	v1, err := readViper([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := v1.WriteConfigTo(&buf); err != nil {
		t.Fatalf("WriteConfigTo: %v", err)
	}
	v2, err := readViper(buf.Bytes())
	if err != nil {
		t.Fatalf("re-read %q: %v", buf.String(), err)
	}
	if !reflect.DeepEqual(v1.AllSettings(), v2.AllSettings()) {
		t.Errorf("round trip changed settings:\n before %v\n after  %v\n text:\n%s",
			v1.AllSettings(), v2.AllSettings(), buf.String())
	}
	if got := v2.GetString("cluster.cluster lock"); got != "!/usr/bin/helper a=b #c" {
		t.Errorf("cluster lock after round trip = %q", got)
	}
}

func TestINICodec_EncodeRejectsNonSections(t *testing.T) {
	if _, err := (iniCodec{}).Encode(map[string]any{"top": "value"}); err == nil {
		t.Error("top-level scalar encoded without error")
	}
	nested := map[string]any{"s": map[string]any{"k": map[string]any{"x": 1}}}
	if _, err := (iniCodec{}).Encode(nested); err == nil {
		t.Error("nested map encoded without error")
	}
}

func TestINICodec_DecodeError(t *testing.T) {
	if _, err := readViper([]byte("[cluster\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("viper read of bad INI: err = %v, want line 1 error", err)
	}
}
