package proc

import (
	"os"
	"testing"
)

func TestStatusKB(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	if n := StatusKB(os.Getpid(), "VmRSS"); n <= 0 {
		t.Fatalf("own VmRSS = %d", n)
	}
	if n := StatusKB(os.Getpid(), "NoSuchField"); n != 0 {
		t.Fatalf("absent field = %d", n)
	}
	if n := StatusKB(1<<30, "VmRSS"); n != 0 {
		t.Fatalf("absent process = %d", n)
	}
}
