package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100
// on every Linux architecture Go runs on).
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time (user + system, all threads) process pid has
// used so far, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	_, cpu, err := parseStat(data)
	return cpu, err
}

// parseStat reads the command name and utime+stime from a /proc/PID/stat
// line. The name is in parentheses and may hold spaces, so the fields are
// counted from the last ')'.
func parseStat(data []byte) (string, time.Duration, error) {
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", 0, fmt.Errorf("unexpected /proc stat line %q", data)
	}
	fields := strings.Fields(string(data[end+1:]))
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return "", 0, fmt.Errorf("short /proc stat line %q", data)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, fmt.Errorf("unexpected /proc stat line %q", data)
	}
	return string(data[open+1 : end]), time.Duration(utime+stime) * clockTick, nil
}

// procStatusKB reads a "Name:   123 kB" line of /proc/PID/status, such as
// VmHWM (peak resident set size) or VmRSS.
func procStatusKB(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+":")
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q", name, rest)
		}
		return v, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}

// machineCPU returns the busy and total jiffies of all CPUs from
// /proc/stat, to tell how loaded the machine was during a window.
func machineCPU() (busy, total uint64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		total += v
		if i != 3 && i != 4 { // idle and iowait
			busy += v
		}
	}
	return busy, total
}

// commandCPU sums the CPU time of every process named comm (for example
// the PostgreSQL server's processes), per PID so that a window's use can
// be computed with cpuSince.
func commandCPU(comm string) map[int]time.Duration {
	out := map[int]time.Duration{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		name, cpu, err := parseStat(data)
		if err == nil && name == comm {
			out[pid] = cpu
		}
	}
	return out
}

// cpuSince is the CPU the processes of now used since before (a process
// that started in between counts fully; one that ended is missed).
func cpuSince(before, now map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, c := range now {
		if c >= before[pid] {
			d += c - before[pid]
		}
	}
	return d
}
