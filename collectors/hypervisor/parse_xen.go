package hypervisor

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/demarc/demarc/internal/pkgver"
)

// Xen is the Xen hypervisor's version as sysfs or `xl info` report it.
type Xen struct {
	// Version is major.minor plus the leading number of extra ("4.17.4").
	Version string
	// Extra is the raw extra version (".4-pre", "-unstable", ".4OVM").
	Extra string
}

var (
	xenNum   = regexp.MustCompile(`^[0-9]{1,6}$`)
	xenPatch = regexp.MustCompile(`^\.([0-9]{1,6})`)
)

// XenVersion builds the version from the three parts the hypervisor
// exports (/sys/hypervisor/version/{major,minor,extra}, or xl info's
// xen_major, xen_minor, xen_extra).
func XenVersion(major, minor, extra string) (Xen, error) {
	major, minor, extra = strings.TrimSpace(major), strings.TrimSpace(minor), strings.TrimSpace(extra)
	if !xenNum.MatchString(major) || !xenNum.MatchString(minor) {
		return Xen{}, unrecognized(major + "." + minor)
	}
	if len(extra) > 64 {
		return Xen{}, unrecognized(extra)
	}
	v := major + "." + minor
	if m := xenPatch.FindStringSubmatch(extra); m != nil {
		v += "." + m[1]
	}
	return Xen{Version: v, Extra: extra}, nil
}

// ParseKeyColon parses "key : value" lines as `xl info` (and the older
// `xm info`) print them. Lines without " : " are skipped.
func ParseKeyColon(out string) map[string]string {
	m := map[string]string{}
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// ParseXLInfo returns the Xen version from `xl info`: xen_major,
// xen_minor and xen_extra (present in every release; xen_version is
// missing before 4.x and in xm info).
func ParseXLInfo(out string) (Xen, error) {
	m := ParseKeyColon(out)
	if m["xen_major"] == "" {
		if v := m["xen_version"]; v != "" {
			major, rest, _ := strings.Cut(v, ".")
			minor, extra := splitNum(rest)
			return XenVersion(major, minor, extra)
		}
		return Xen{}, unrecognized(out)
	}
	return XenVersion(m["xen_major"], m["xen_minor"], m["xen_extra"])
}

// splitNum splits s after its leading digits.
func splitNum(s string) (num, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// ParseShellVars parses KEY='value' / KEY="value" / KEY=value lines, as
// /etc/xensource-inventory and /etc/os-release are written. Comments and
// lines that are not assignments are skipped.
func ParseShellVars(b []byte) map[string]string {
	m := map[string]string{}
	for _, l := range lines(string(b)) {
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[k] = v
	}
	return m
}

// XAPIProduct is the XCP-ng or XenServer release from the XAPI inventory.
type XAPIProduct struct {
	// Product is "xcp-ng" or "xenserver" (XenServer, Citrix Hypervisor).
	Product     string
	Version     string
	Brand       string
	BuildNumber string
}

// ParseInventory reads /etc/xensource-inventory (PRODUCT_BRAND,
// PRODUCT_VERSION, BUILD_NUMBER). osID is the os-release ID, "xcp-ng" on
// XCP-ng, used when the brand is missing.
func ParseInventory(b []byte, osID string) (XAPIProduct, error) {
	m := ParseShellVars(b)
	v := m["PRODUCT_VERSION"]
	if v == "" {
		return XAPIProduct{}, unrecognized(string(b))
	}
	v, err := pkgver.Check(v)
	if err != nil {
		return XAPIProduct{}, fmt.Errorf("PRODUCT_VERSION: %w", err)
	}
	p := XAPIProduct{Product: "xenserver", Version: v, Brand: m["PRODUCT_BRAND"], BuildNumber: m["BUILD_NUMBER"]}
	if strings.EqualFold(p.Brand, "XCP-ng") || osID == "xcp-ng" {
		p.Product = "xcp-ng"
	}
	return p, nil
}
