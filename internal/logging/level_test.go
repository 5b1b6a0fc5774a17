package logging

import (
	"testing"

	"github.com/sirupsen/logrus"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want logrus.Level
	}{
		{"ERROR", logrus.ErrorLevel},
		{"WARNING", logrus.WarnLevel},
		{"NOTICE", logrus.InfoLevel},
		{"INFO", logrus.DebugLevel},
		{"DEBUG", logrus.TraceLevel},
		{"notice", logrus.InfoLevel},
		{"Debug", logrus.TraceLevel},
		{" warning ", logrus.WarnLevel},
		{"err", logrus.ErrorLevel},
		{"WARN", logrus.WarnLevel},
		{"0", logrus.ErrorLevel},
		{"1", logrus.WarnLevel},
		{"2", logrus.InfoLevel},
		{"3", logrus.DebugLevel},
		{"4", logrus.TraceLevel},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseLevelRejects(t *testing.T) {
	for _, in := range []string{"", "5", "-1", "verbose", "NOTICEX", "trace", "info2"} {
		if lv, err := ParseLevel(in); err == nil {
			t.Errorf("ParseLevel(%q) = %v, want an error", in, lv)
		}
	}
}

func TestLevelNameRoundTrip(t *testing.T) {
	for _, name := range []string{"ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"} {
		lv, err := ParseLevel(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := LevelName(lv); got != name {
			t.Errorf("LevelName(ParseLevel(%q)) = %q", name, got)
		}
	}
	for _, lv := range []logrus.Level{logrus.PanicLevel, logrus.FatalLevel} {
		if got := LevelName(lv); got != "ERROR" {
			t.Errorf("LevelName(%v) = %q, want ERROR", lv, got)
		}
	}
}

func TestSyslogSeverity(t *testing.T) {
	want := map[logrus.Level]int{
		logrus.FatalLevel: 2, logrus.ErrorLevel: 3, logrus.WarnLevel: 4,
		logrus.InfoLevel: 5, logrus.DebugLevel: 6, logrus.TraceLevel: 7,
	}
	for lv, sev := range want {
		if got := syslogSeverity(lv); got != sev {
			t.Errorf("syslogSeverity(%v) = %d, want %d", lv, got, sev)
		}
	}
}
