package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// process is a server the benchmark started (Confab or a relay). It is
// stopped by its PID only.
type process struct {
	name string
	cmd  *exec.Cmd
	pid  int

	mu       sync.Mutex
	tail     []string // the last lines it printed
	problems atomic.Int64
	addr     chan string

	exited  chan struct{}
	waitErr error
}

const tailLines = 40

// startProcess starts argv and waits until addrOf finds the address it
// listens on in a line of its output.
func startProcess(ctx context.Context, name string, argv, env []string, addrOf func(line string) (string, bool), problem func(line string) bool) (*process, string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	setDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	p := &process{name: name, cmd: cmd, pid: cmd.Process.Pid, addr: make(chan string, 1), exited: make(chan struct{})}
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			p.read(r, addrOf, problem)
		}()
	}
	go func() {
		readers.Wait()
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	select {
	case addr := <-p.addr:
		return p, addr, nil
	case <-p.exited:
		return nil, "", fmt.Errorf("%s exited before listening (%v):\n%s", name, p.waitErr, p.output())
	case <-timer.C:
		p.stop()
		return nil, "", fmt.Errorf("%s did not listen within 60s:\n%s", name, p.output())
	case <-ctx.Done():
		p.stop()
		return nil, "", ctx.Err()
	}
}

func (p *process) read(r io.Reader, addrOf func(string) (string, bool), problem func(string) bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if addr, ok := addrOf(line); ok {
			select {
			case p.addr <- addr:
			default:
			}
		}
		if problem(line) {
			p.problems.Add(1)
		}
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > tailLines {
			p.tail = p.tail[len(p.tail)-tailLines:]
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// output is the last lines the process printed.
func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// stop sends SIGTERM and waits for the process to exit, killing it after
// 20 s. It returns an error when the process did not exit cleanly.
func (p *process) stop() error {
	select {
	case <-p.exited:
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	select {
	case <-p.exited:
		return p.exitErr()
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%s did not stop within 20s of SIGTERM and was killed", p.name)
	}
}

func (p *process) exitErr() error {
	if p.waitErr == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return fmt.Errorf("%s exited with %v:\n%s", p.name, p.waitErr, p.output())
	}
	return p.waitErr
}
