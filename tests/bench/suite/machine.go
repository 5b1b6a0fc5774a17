package suite

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/ctdb-go/ctdb/tests/bench/procfs"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPUs      int    `json:"nproc"`
	CPUModel  string `json:"cpu_model"`
	MemoryMiB int64  `json:"memory_mib"`
	Kernel    string `json:"kernel"`
	OS        string `json:"os"`
	Go        string `json:"go"`
	CPUSource string `json:"cpu_time_source"`
}

func machineInfo() Machine {
	return Machine{
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel(readText("/proc/cpuinfo")),
		MemoryMiB: memTotalMiB(readText("/proc/meminfo")),
		Kernel:    strings.TrimSpace(readText("/proc/sys/kernel/osrelease")),
		OS:        osName(readText("/etc/os-release")),
		Go:        runtime.Version(),
		CPUSource: procfs.CPUSource(),
	}
}

func readText(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo string) string {
	for _, l := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// memTotalMiB is MemTotal of /proc/meminfo in MiB (0 if absent).
func memTotalMiB(meminfo string) int64 {
	for _, l := range strings.Split(meminfo, "\n") {
		if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// osName is PRETTY_NAME of os-release.
func osName(osRelease string) string {
	for _, l := range strings.Split(osRelease, "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "unknown"
}

func (m Machine) String() string {
	return fmt.Sprintf("%d CPUs (%s), %d MiB memory, Linux %s, %s, %s", m.CPUs, m.CPUModel, m.MemoryMiB, m.Kernel, m.OS, m.Go)
}
