package sdnotify

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// States the agent sends.
const (
	Ready     = "READY=1"
	Stopping  = "STOPPING=1"
	Watchdog  = "WATCHDOG=1"
	Reloading = "RELOADING=1"
)

// Notifier sends state to the service manager. A nil *Notifier is valid
// and sends nothing.
type Notifier struct {
	addr *net.UnixAddr
}

// FromEnv returns a Notifier for NOTIFY_SOCKET, or nil when it is unset
// or not a unix socket address.
func FromEnv(getenv func(string) string) *Notifier {
	s := getenv("NOTIFY_SOCKET")
	if s == "" || !(strings.HasPrefix(s, "/") || strings.HasPrefix(s, "@")) {
		return nil
	}
	// Go maps a leading '@' to the abstract namespace itself.
	return &Notifier{addr: &net.UnixAddr{Name: s, Net: "unixgram"}}
}

// Send sends the state lines as one datagram.
func (n *Notifier) Send(lines ...string) error {
	if n == nil || len(lines) == 0 {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// Reload sends RELOADING=1 with the monotonic timestamp systemd's
// Type=notify-reload requires; send Ready when the reload is done.
func (n *Notifier) Reload() error {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return n.Send(Reloading)
	}
	usec := ts.Sec*1_000_000 + ts.Nsec/1000
	return n.Send(Reloading, "MONOTONIC_USEC="+strconv.FormatInt(usec, 10))
}

// Status sends a one-line status shown by `systemctl status`.
func (n *Notifier) Status(s string) error {
	return n.Send("STATUS=" + strings.ReplaceAll(s, "\n", " "))
}

// WatchdogInterval returns how often to send Watchdog: half of
// WATCHDOG_USEC, or 0 when no watchdog is configured for this process.
func WatchdogInterval(getenv func(string) string, pid int) time.Duration {
	usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if p := getenv("WATCHDOG_PID"); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n != pid {
			return 0
		}
	}
	return time.Duration(usec) * time.Microsecond / 2
}
