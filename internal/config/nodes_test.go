package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseNodes_Good(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		name    string
		content string
		want    []Node
	}{
		{"one", "10.0.0.1\n", []Node{{PNN: 0, Addr: a("10.0.0.1")}}},
		{"whitespace and no final newline", "  10.0.0.1  \n\t10.0.0.2", []Node{
			{PNN: 0, Addr: a("10.0.0.1")}, {PNN: 1, Addr: a("10.0.0.2")}}},
		{"blank lines take no PNN", "\n10.0.0.1\n\n   \n10.0.0.2\n\n", []Node{
			{PNN: 0, Addr: a("10.0.0.1")}, {PNN: 1, Addr: a("10.0.0.2")}}},
		{"deleted keeps its slot", "10.0.0.1\n#10.0.0.2\n10.0.0.3\n", []Node{
			{PNN: 0, Addr: a("10.0.0.1")},
			{PNN: 1, Addr: a("10.0.0.2"), Deleted: true},
			{PNN: 2, Addr: a("10.0.0.3")}}},
		{"deleted without address", "# old node\n10.0.0.3\n", []Node{
			{PNN: 0, Deleted: true}, {PNN: 1, Addr: a("10.0.0.3")}}},
		{"deleted may repeat an active address", "#10.0.0.1\n10.0.0.1\n", []Node{
			{PNN: 0, Addr: a("10.0.0.1"), Deleted: true}, {PNN: 1, Addr: a("10.0.0.1")}}},
		{"ipv6 and mixed", "fd00::1\n10.0.0.2\n", []Node{
			{PNN: 0, Addr: a("fd00::1")}, {PNN: 1, Addr: a("10.0.0.2")}}},
		{"v4-mapped unmapped", "::ffff:10.0.0.9\n", []Node{{PNN: 0, Addr: a("10.0.0.9")}}},
		{"CRLF", "127.0.0.1\r\n127.0.0.2\r\n", []Node{
			{PNN: 0, Addr: a("127.0.0.1")}, {PNN: 1, Addr: a("127.0.0.2")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNodes(writeTemp(t, t.TempDir(), "nodes", tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseNodes_Bad(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    int
		problem string
	}{
		{"bad address", "10.0.0.1\n\n10.0.0.x\n", 3, `invalid address "10.0.0.x"`},
		{"trailing junk", "10.0.0.1 extra\n", 1, `invalid address "10.0.0.1 extra"`},
		{"hostname", "node1\n", 1, `invalid address "node1"`},
		{"with port", "10.0.0.1:4379\n", 1, `invalid address "10.0.0.1:4379"`},
		{"zone", "fe80::1%eth0\n", 1, `invalid address "fe80::1%eth0"`},
		{"unspecified", "0.0.0.0\n", 1, "not a unicast address"},
		{"multicast", "224.0.0.1\n", 1, "not a unicast address"},
		{"duplicate", "10.0.0.1\n10.0.0.2\n10.0.0.1\n", 3, "duplicate address 10.0.0.1 (also on line 1)"},
		{"duplicate via v4-mapped", "10.0.0.1\n::ffff:10.0.0.1\n", 2, "duplicate address 10.0.0.1"},
		{"empty", "", 0, "no active nodes"},
		{"only deleted", "#10.0.0.1\n\n#10.0.0.2\n", 0, "no active nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, t.TempDir(), "nodes", tt.content)
			nodes, err := ParseNodes(path)
			wantFileError(t, err, path, tt.line, tt.problem)
			if nodes != nil {
				t.Errorf("got nodes with the error: %v", nodes)
			}
		})
	}
}

func TestParseNodes_Missing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes")
	_, err := ParseNodes(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want an error naming %s", err, path)
	}
}
