package sdnotify

import (
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestSendOverRealSockets(t *testing.T) {
	for name, addr := range map[string]string{
		"path":     filepath.Join(t.TempDir(), "notify"),
		"abstract": fmt.Sprintf("@demarc-test-%d", rand.Int64()),
	} {
		t.Run(name, func(t *testing.T) {
			c := listen(t, addr)
			n := FromEnv(env(map[string]string{"NOTIFY_SOCKET": addr}))
			if err := n.Send(Ready, "STATUS=idle"); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, c); got != "READY=1\nSTATUS=idle\n" {
				t.Fatalf("datagram = %q", got)
			}
			if err := n.Reload(); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, c); !strings.HasPrefix(got, "RELOADING=1\nMONOTONIC_USEC=") {
				t.Fatalf("datagram = %q", got)
			}
		})
	}
}

func TestNoSocketSendsNothing(t *testing.T) {
	for _, v := range []string{"", "relative/path", "vsock:2:1234"} {
		n := FromEnv(env(map[string]string{"NOTIFY_SOCKET": v}))
		if n != nil {
			t.Errorf("FromEnv(%q) = %v, want nil", v, n)
		}
		if err := n.Send(Ready); err != nil {
			t.Errorf("nil Send = %v", err)
		}
	}
}

func TestSendToMissingSocketFails(t *testing.T) {
	n := FromEnv(env(map[string]string{"NOTIFY_SOCKET": filepath.Join(t.TempDir(), "gone")}))
	if err := n.Send(Ready); err == nil {
		t.Fatal("Send to a missing socket succeeded")
	}
}

func TestWatchdogInterval(t *testing.T) {
	cases := []struct {
		usec, pid string
		want      time.Duration
	}{
		{"", "", 0},
		{"junk", "", 0},
		{"-1", "", 0},
		{"20000000", "", 10 * time.Second},
		{"20000000", "42", 10 * time.Second},
		{"20000000", "43", 0},
		{"20000000", "x", 0},
	}
	for _, tc := range cases {
		got := WatchdogInterval(env(map[string]string{"WATCHDOG_USEC": tc.usec, "WATCHDOG_PID": tc.pid}), 42)
		if got != tc.want {
			t.Errorf("WatchdogInterval(%q, %q) = %v, want %v", tc.usec, tc.pid, got, tc.want)
		}
	}
}
