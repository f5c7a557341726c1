package hwinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed is returned (wrapped) for input that is not in the expected
// format at all.
var ErrMalformed = errors.New("malformed input")

// CPU is one logical CPU's block of /proc/cpuinfo (x86 keys; other
// architectures leave most fields empty).
type CPU struct {
	Processor string
	VendorID  string
	Family    string
	Model     string
	Stepping  string
	ModelName string
	// Microcode is the revision as printed ("0xf0"), "" when absent.
	Microcode string
	// Hypervisor is true when the flags line holds "hypervisor" (CPUID
	// leaf 1 ECX bit 31: running under a hypervisor).
	Hypervisor bool
}

// ParseCPUInfo parses /proc/cpuinfo into one CPU per "processor" block.
// Input with no "key : value" line at all is ErrMalformed.
func ParseCPUInfo(b []byte) ([]CPU, error) {
	var out []CPU
	var cur *CPU
	fields := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			continue
		}
		fields++
		if k == "processor" {
			out = append(out, CPU{Processor: v})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			continue
		}
		switch k {
		case "vendor_id":
			cur.VendorID = v
		case "cpu family":
			cur.Family = v
		case "model":
			cur.Model = v
		case "stepping":
			cur.Stepping = v
		case "model name":
			cur.ModelName = v
		case "microcode":
			cur.Microcode = v
		case "flags":
			cur.Hypervisor = hasWord(v, "hypervisor")
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%w: cpuinfo: %v", ErrMalformed, err)
	}
	if fields == 0 && len(bytes.TrimSpace(b)) > 0 {
		return nil, fmt.Errorf("%w: cpuinfo has no fields", ErrMalformed)
	}
	return out, nil
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// ParseMicrocode parses a microcode revision as /proc/cpuinfo or sysfs
// print it: "0x2f" (hex, current kernels) or "47" (decimal, old kernels).
func ParseMicrocode(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	var n uint64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err = strconv.ParseUint(h, 16, 64)
	} else {
		n, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil || len(s) > 18 {
		return 0, fmt.Errorf("%w: microcode revision %q", ErrMalformed, clip(s))
	}
	return n, nil
}

// Microcode summarises the revisions of several CPUs: the lowest (the
// one that decides exposure), the highest, and whether they differ (a
// partially applied late load).
type Microcode struct {
	Min, Max uint64
	Mixed    bool
	// Bad counts revisions that did not parse.
	Bad int
}

// SummariseMicrocode returns the summary of revs and false when none of
// them parsed.
func SummariseMicrocode(revs []string) (Microcode, bool) {
	var m Microcode
	seen := false
	for _, r := range revs {
		n, err := ParseMicrocode(r)
		if err != nil {
			m.Bad++
			continue
		}
		if !seen {
			m.Min, m.Max, seen = n, n, true
			continue
		}
		m.Min, m.Max = min(m.Min, n), max(m.Max, n)
	}
	m.Mixed = seen && m.Min != m.Max
	return m, seen
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
