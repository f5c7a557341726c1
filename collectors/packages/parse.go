package packages

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
)

// maxLine bounds one line of package-manager output; a longer line is
// not output of the expected shape.
const maxLine = 1 << 20

// newScanner returns a line scanner over b that accepts lines up to
// maxLine bytes; a longer line stops it with an error.
func newScanner(b []byte) *bufio.Scanner {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	return sc
}

// malformed is the error for a line that claims a shape it does not have.
func malformed(n int, line string) error {
	return fmt.Errorf("%w: line %d: %q", ErrUnexpectedOutput, n, clip(line))
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// atoi converts a regexp group of digits; an empty group is 0.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
