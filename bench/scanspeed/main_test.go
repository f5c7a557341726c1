package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []int64
		want int64
	}{
		{[]int64{5}, 5},
		{[]int64{3, 1, 2}, 2},
		{[]int64{4, 1, 3, 2}, 2}, // (2+3)/2 in integers
		{[]int64{10, 30}, 20},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestRoundsAlternate runs real commands: every command once per round,
// failures outside the accepted exit codes reported, and a child process's
// memory counted into the tree.
func TestRoundsAlternate(t *testing.T) {
	cmds := []command{
		{Name: "quick", Argv: []string{"sh", "-c", "exit 1"}, OK: []int{1}},
		// A shell that waits on a child holding memory: the tree is larger
		// than the shell alone.
		{Name: "tree", Argv: []string{"sh", "-c", "head -c 30000000 /dev/zero | tail -c 1 >/dev/null"}, OK: []int{0}},
	}
	res, err := rounds(cmds, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if len(r.Samples) != 3 {
			t.Fatalf("%s: %d samples, want 3", r.Name, len(r.Samples))
		}
		for _, s := range r.Samples {
			if s.Wall <= 0 || s.TreeKB <= 0 || s.TreeKB < s.LargestKB {
				t.Errorf("%s: implausible sample %+v", r.Name, s)
			}
		}
	}
	if _, err := rounds([]command{{Name: "fails", Argv: []string{"sh", "-c", "exit 3"}, OK: []int{0}}}, 1); err == nil || !strings.Contains(err.Error(), "fails") {
		t.Fatalf("a failing command: err = %v, want it named", err)
	}
	var out bytes.Buffer
	printTable(&out, res, 3)
	for _, want := range []string{"| quick |", "| tree |", "| quick | tree | "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRatio(t *testing.T) {
	if got := ratio(float64(3*time.Second), float64(100*time.Millisecond)); got != "30.00" {
		t.Errorf("ratio = %q", got)
	}
	if got := ratio(1, 0); got != "n/a" {
		t.Errorf("ratio with zero = %q", got)
	}
}
