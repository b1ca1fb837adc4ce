package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// meter says whose CPU time a load counts apart: the servers under load
// and the PostgreSQL cluster (its postmaster and children; 0: none).
type meter struct {
	servers    []int
	postmaster int
}

// cpuSample is the CPU time used so far, in ticks of /proc (USER_HZ).
type cpuSample struct {
	servers, postgres float64
	busy, total       float64 // the machine's
}

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

func (m meter) sample() cpuSample {
	var s cpuSample
	for _, pid := range m.servers {
		s.servers += procTicks(pid)
	}
	if m.postmaster > 0 {
		// The postmaster's own time and its children's that exited (and
		// were waited for), then its live children's: the sum only grows
		// when backends and autovacuum workers come and go.
		if f := statFields(fmt.Sprintf("/proc/%d/stat", m.postmaster)); len(f) > 14 {
			cu, _ := strconv.ParseFloat(f[13], 64)
			cs, _ := strconv.ParseFloat(f[14], 64)
			s.postgres = ticksOf(f) + cu + cs
		}
		entries, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, e := range entries {
			if f := statFields(e); len(f) > 12 && f[1] == strconv.Itoa(m.postmaster) {
				s.postgres += ticksOf(f)
			}
		}
	}
	s.busy, s.total = machineTicks()
	return s
}

// statFields are the fields of /proc/PID/stat after the command's name:
// state is [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14].
func statFields(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
}

func ticksOf(f []string) float64 {
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return u + s
}

// procTicks is the CPU time (user and system) process pid used so far.
func procTicks(pid int) float64 {
	if f := statFields(fmt.Sprintf("/proc/%d/stat", pid)); len(f) > 12 {
		return ticksOf(f)
	}
	return 0
}

// ppid is the parent of process pid (0 if unknown).
func ppid(pid int) int {
	if f := statFields(fmt.Sprintf("/proc/%d/stat", pid)); len(f) > 1 {
		n, _ := strconv.Atoi(f[1])
		return n
	}
	return 0
}

// machineTicks reads the CPU time the machine spent busy and in all from
// /proc/stat; time stolen by the hypervisor counts as neither.
func machineTicks() (busy, total float64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 1
	}
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		if i < 7 { // user nice system idle iowait irq softirq; guest is in user
			total += v
			if i != 3 && i != 4 {
				busy += v
			}
		}
	}
	return busy, total
}
