package execx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds a command whose Cmd sets no Timeout.
const DefaultTimeout = 30 * time.Second

// DefaultMaxOutput caps each of stdout and stderr of a command whose Cmd sets
// no MaxOutput.
const DefaultMaxOutput = 16 << 20

// SearchPath is the fixed PATH commands are looked up in and run with; the
// caller's environment never decides which binary runs.
const SearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var (
	// ErrNotFound means the command's binary is not installed.
	ErrNotFound = errors.New("command not found")
	// ErrTimeout means the command ran past its timeout and was killed.
	ErrTimeout = errors.New("command timed out")
	// ErrOutputTooLarge means the command wrote more than its output cap;
	// the Result holds the capped output.
	ErrOutputTooLarge = errors.New("command output exceeds limit")
)

// Cmd is one command to run: a fixed argv, no shell.
type Cmd struct {
	// Argv is the program and its arguments. Argv[0] is a bare name looked
	// up in SearchPath, or an absolute path.
	Argv []string
	// Timeout bounds the run; 0 means DefaultTimeout.
	Timeout time.Duration
	// Env is added to the minimal environment (PATH, LC_ALL=C, LANG=C).
	Env []string
	// MaxOutput caps stdout and stderr each; 0 means DefaultMaxOutput.
	MaxOutput int64
}

// String returns the argv joined by spaces, for logs and errors.
func (c Cmd) String() string { return strings.Join(c.Argv, " ") }

// Result is what a command printed and how it exited. A non-zero exit code
// is not an error: many tools use it to say something (dnf's 100 means
// "updates available").
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
	Duration time.Duration
}

// Runner runs external commands. Collectors receive one; tests give them a
// Fake.
type Runner interface {
	// Run runs cmd. It returns an error wrapping ErrNotFound, ErrTimeout or
	// ErrOutputTooLarge, or another error when the command could not be
	// started or was killed by a signal; a plain non-zero exit is reported
	// in Result.ExitCode only.
	Run(ctx context.Context, cmd Cmd) (Result, error)
	// LookPath reports where the binary name would be found, or an error
	// wrapping ErrNotFound.
	LookPath(name string) (string, error)
}

// Exec is the Runner that runs real processes, each in its own process
// group so that a timeout kills its children too.
type Exec struct{}

// LookPath implements Runner, searching SearchPath only.
func (Exec) LookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		if isExecutable(name) {
			return name, nil
		}
		return "", fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	for _, dir := range filepath.SplitList(SearchPath) {
		p := filepath.Join(dir, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, ErrNotFound)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Run implements Runner.
func (e Exec) Run(ctx context.Context, c Cmd) (Result, error) {
	if len(c.Argv) == 0 {
		return Result{}, errors.New("run: empty argv")
	}
	bin, err := e.LookPath(c.Argv[0])
	if err != nil {
		return Result{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, bin, c.Argv[1:]...)
	cmd.Env = append([]string{"PATH=" + SearchPath, "LC_ALL=C", "LANG=C", "HOME=/nonexistent"}, c.Env...)
	cmd.Stdin = nil
	stdout := &capBuffer{limit: limit}
	stderr := &capBuffer{limit: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Kill the whole group: package managers fork helpers.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 2 * time.Second

	start := time.Now()
	runErr := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return res, fmt.Errorf("%s: %w after %s", c, ErrTimeout, timeout)
		}
		return res, fmt.Errorf("%s: %w", c, ctx.Err())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return res, fmt.Errorf("%s: %w", c, runErr)
	}
	if exitErr != nil && res.ExitCode < 0 {
		return res, fmt.Errorf("%s: killed: %w", c, runErr)
	}
	if stdout.over || stderr.over {
		return res, fmt.Errorf("%s: %w (%d bytes)", c, ErrOutputTooLarge, limit)
	}
	return res, nil
}

// capBuffer keeps the first limit bytes written and drops the rest, so a
// runaway command cannot exhaust memory; the writer never fails, so the
// command is not killed by SIGPIPE.
type capBuffer struct {
	buf   bytes.Buffer
	limit int64
	over  bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	room := b.limit - int64(b.buf.Len())
	if int64(len(p)) > room {
		b.over = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *capBuffer) Bytes() []byte { return b.buf.Bytes() }
