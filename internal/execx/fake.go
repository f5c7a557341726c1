package execx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// ErrUnexpected is returned by Fake for a command whose binary it knows but
// whose exact argv it has no answer for: a test that meets it is missing a
// fixture, or the code under test changed its command line.
var ErrUnexpected = errors.New("fake runner: unexpected command")

// Response is the Fake's canned answer to one argv.
type Response struct {
	Argv   []string `yaml:"argv"`
	Stdout string   `yaml:"stdout"`
	Stderr string   `yaml:"stderr"`
	Exit   int      `yaml:"exit"`
	// Hang makes the command block until its context or timeout ends, then
	// fail with ErrTimeout, as a hung real command would.
	Hang bool `yaml:"hang"`
	// StdoutFile and StderrFile name files (relative to the YAML file) whose
	// bytes are the output, for outputs whose exact bytes matter.
	StdoutFile string `yaml:"stdout_file"`
	StderrFile string `yaml:"stderr_file"`
}

// Fake is a Runner that answers from canned responses, for tests. It is safe
// for concurrent use and records every call.
type Fake struct {
	mu        sync.Mutex
	responses map[string]Response
	binaries  map[string]bool
	calls     []Cmd
}

// NewFake returns a Fake answering the given responses. Every response's
// argv[0] counts as an installed binary.
func NewFake(responses ...Response) *Fake {
	f := &Fake{responses: map[string]Response{}, binaries: map[string]bool{}}
	for _, r := range responses {
		f.Add(r)
	}
	return f
}

// Add registers one more response. Its argv is matched in canonical form
// (CanonicalArgv), so it may name a private directory as ${PRIVATE} or by
// its real path.
func (f *Fake) Add(r Response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(r.Argv) == 0 {
		return
	}
	r.Argv = CanonicalArgv(r.Argv)
	f.responses[key(r.Argv)] = r
	f.binaries[r.Argv[0]] = true
	f.binaries[filepath.Base(r.Argv[0])] = true
}

// AddBinary marks name as installed without giving it any response.
func (f *Fake) AddBinary(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.binaries[name] = true
}

// LoadFakeDir returns a Fake with one response per *.yaml file in dir
// (testdata/<case>/cmd/). A missing dir gives a Fake that knows no command,
// as on a host with none of the tools installed.
//
// Each file holds one Response:
//
//	argv: [apt-get, -s, dist-upgrade]
//	exit: 0
//	stdout_file: apt-get-s-dist-upgrade.out
func LoadFakeDir(dir string) (*Fake, error) {
	return LoadFakeDirVars(dir, nil)
}

// LoadFakeDirVars is LoadFakeDir with ${NAME} placeholders in each
// response's argv and output replaced by vars[NAME]: fixtures write the
// scanned root as ${ROOT} (it appears in `rpm --root` and `apt -o Dir=`
// argv), so no machine's path is committed. ${PRIVATE} is not a variable:
// it stays as written and matches demarc's private directories (see
// CanonicalArgv).
func LoadFakeDirVars(dir string, vars map[string]string) (*Fake, error) {
	if _, ok := vars["PRIVATE"]; ok {
		return nil, errors.New("fake: ${PRIVATE} is not a variable")
	}
	f := NewFake()
	expand := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "${"+k+"}", v)
		}
		return s
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r Response
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("fake %s: %w", p, err)
		}
		if len(r.Argv) == 0 {
			return nil, fmt.Errorf("fake %s: empty argv", p)
		}
		for _, pair := range []struct {
			file string
			dst  *string
		}{{r.StdoutFile, &r.Stdout}, {r.StderrFile, &r.Stderr}} {
			if pair.file == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(filepath.Dir(p), pair.file))
			if err != nil {
				return nil, fmt.Errorf("fake %s: %w", p, err)
			}
			*pair.dst = string(data)
		}
		for i := range r.Argv {
			r.Argv[i] = expand(r.Argv[i])
		}
		r.Stdout, r.Stderr = expand(r.Stdout), expand(r.Stderr)
		f.Add(r)
	}
	return f, nil
}

func key(argv []string) string { return strings.Join(argv, "\x00") }

// LookPath implements Runner.
func (f *Fake) LookPath(name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.binaries[name] {
		if strings.Contains(name, "/") {
			return name, nil
		}
		return "/usr/bin/" + name, nil
	}
	return "", fmt.Errorf("%s: %w", name, ErrNotFound)
}

// Run implements Runner. It matches the canonical argv (CanonicalArgv) of
// c against the responses', so that a private directory, new on every run,
// matches the ${PRIVATE} a fixture writes; errors and Calls show that form.
func (f *Fake) Run(ctx context.Context, c Cmd) (Result, error) {
	if len(c.Argv) == 0 {
		return Result{}, errors.New("run: empty argv")
	}
	c.Argv = CanonicalArgv(c.Argv)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	r, ok := f.responses[key(c.Argv)]
	known := f.binaries[c.Argv[0]]
	f.mu.Unlock()
	if !ok {
		if known {
			return Result{}, fmt.Errorf("%s: %w", c, ErrUnexpected)
		}
		return Result{}, fmt.Errorf("%s: %w", c.Argv[0], ErrNotFound)
	}
	if r.Hang {
		timeout := c.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		<-ctx.Done()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Result{ExitCode: -1}, fmt.Errorf("%s: %w after %s", c, ErrTimeout, timeout)
		}
		return Result{ExitCode: -1}, fmt.Errorf("%s: %w", c, ctx.Err())
	}
	res := Result{Stdout: []byte(r.Stdout), Stderr: []byte(r.Stderr), ExitCode: r.Exit}
	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	if int64(len(res.Stdout)) > limit || int64(len(res.Stderr)) > limit {
		if int64(len(res.Stdout)) > limit {
			res.Stdout = res.Stdout[:limit]
		}
		if int64(len(res.Stderr)) > limit {
			res.Stderr = res.Stderr[:limit]
		}
		return res, fmt.Errorf("%s: %w (%d bytes)", c, ErrOutputTooLarge, limit)
	}
	return res, nil
}

// Calls returns the argv of every command run so far, in order, each joined
// by spaces, with private directories written ${PRIVATE} (CanonicalArgv).
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.String()
	}
	return out
}

// Known returns the argv of every registered response, sorted, for test
// diagnostics.
func (f *Fake) Known() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.responses {
		out = append(out, strings.Join(r.Argv, " "))
	}
	sort.Strings(out)
	return out
}
