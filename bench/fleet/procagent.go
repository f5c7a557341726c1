package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is a real `demarc agent` process scanning a fixture root. Its
// beliefs come from its own log lines (JSON on stderr), read as they are
// written and timed on arrival.
type proc struct {
	name, bin, cfgPath, root, logPath, spoolDir, stateDir string
	led                                                   *ledger

	cmd    *exec.Cmd
	exited chan struct{}
	logMu  sync.Mutex // the log file is shared by the agent and its flushes
}

func (p *proc) ledger() *ledger { return p.led }
func (p *proc) spool() string   { return p.spoolDir }
func (p *proc) state() string   { return p.stateDir }

func (p *proc) start() error {
	cmd := exec.Command(p.bin, "agent", "--config", p.cfgPath, "--root", p.root)
	done, err := p.run(cmd)
	if err != nil {
		return err
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { <-done; close(p.exited) }()
	return nil
}

// run starts cmd with its stderr read line by line into the ledger and the
// log file; done closes once the process has exited and its output is read.
func (p *proc) run(cmd *exec.Cmd) (<-chan struct{}, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer logf.Close()
		p.readLog(stderr, logf)
		_ = cmd.Wait()
	}()
	return done, nil
}

func (p *proc) readLog(r io.Reader, logf io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		p.logMu.Lock()
		_, _ = logf.Write(line)
		_, _ = io.WriteString(logf, "\n")
		p.logMu.Unlock()
		parseLogLine(p.led, line, time.Now())
	}
}

// logLine is what the accountant reads of a `demarc agent` log line.
type logLine struct {
	Level    string `json:"level"`
	Message  string `json:"message"`
	ReportID string `json:"report_id"`
	Status   int    `json:"status"`
}

// Messages of cmd/demarc's agent (agent/run.go, agent/drain.go,
// agent/hostkey.go).
const (
	msgScanDone    = "scan done"
	msgDelivered   = "report delivered"
	msgFailed      = "delivery failed: the report is kept and sent later"
	msgRejected    = "server refused the report: kept in rejected/ with the reason, not retried"
	msgKeyReceived = "the server handed out a new host key: the next report is posted with it"
	msgKeyRotated  = "host key rotated: the server accepted the new key"
	msgKeyDropped  = "the server refused the rotated host key: dropped it, posting with the current key"
)

func parseLogLine(led *ledger, b []byte, at time.Time) {
	var l logLine
	if json.Unmarshal(b, &l) != nil {
		return
	}
	switch l.Message {
	case msgScanDone:
		led.generated(l.ReportID, at)
	case msgDelivered:
		led.ack(l.ReportID, l.Status, at)
	case msgFailed:
		led.failed()
	case msgRejected:
		led.refused()
	case msgKeyReceived:
		led.keyEvent(&led.keysReceived)
	case msgKeyRotated:
		led.keyEvent(&led.rotations)
	case msgKeyDropped:
		led.keyEvent(&led.keysDropped)
	}
	if l.Level == "error" || l.Level == "fatal" || l.Level == "panic" {
		if l.Status == http.StatusUnauthorized {
			// The credential refused (logged once per change of state).
			led.keyEvent(&led.unauthorized)
		}
		led.issue(l.Message)
	}
}

// kill is SIGKILL.
func (p *proc) crash() { p.signal(syscall.SIGKILL) }

// stop is SIGTERM.
func (p *proc) stop() { p.signal(syscall.SIGTERM) }

func (p *proc) signal(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.led.issue(fmt.Sprintf("did not stop within 30s of %s", sig))
	}
	p.cmd = nil
}

// flush runs `demarc spool flush` on the agent's configuration.
func (p *proc) flush(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, p.bin, "spool", "flush", "--config", p.cfgPath)
	done, err := p.run(cmd)
	if err != nil {
		return err
	}
	<-done
	if !cmd.ProcessState.Success() {
		return fmt.Errorf("demarc spool flush: %s", cmd.ProcessState)
	}
	return nil
}
