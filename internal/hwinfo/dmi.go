package hwinfo

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode"

	"github.com/demarc/demarc/internal/hostfs"
)

// DMIDir is where the kernel exposes the SMBIOS strings.
const DMIDir = "/sys/class/dmi/id"

// dmiLimit caps one DMI attribute: SMBIOS strings are at most a few dozen
// bytes.
const dmiLimit = 4096

// DMI holds the world-readable (0444) SMBIOS strings. Serial numbers and
// UUIDs (0400, root only) are never read. Empty means absent, unreadable
// or an OEM placeholder.
type DMI struct {
	BIOSVendor     string
	BIOSVersion    string
	BIOSDate       string // as the firmware wrote it, MM/DD/YYYY
	BIOSRelease    string
	SysVendor      string
	ProductName    string
	ProductVersion string
	ProductFamily  string
	BoardVendor    string
	BoardName      string
	ChassisType    string
	ChassisVendor  string
}

// dmiFiles maps each 0444 attribute file to its field.
func (d *DMI) dmiFiles() []struct {
	name string
	dst  *string
} {
	return []struct {
		name string
		dst  *string
	}{
		{"bios_vendor", &d.BIOSVendor}, {"bios_version", &d.BIOSVersion},
		{"bios_date", &d.BIOSDate}, {"bios_release", &d.BIOSRelease},
		{"sys_vendor", &d.SysVendor}, {"product_name", &d.ProductName},
		{"product_version", &d.ProductVersion}, {"product_family", &d.ProductFamily},
		{"board_vendor", &d.BoardVendor}, {"board_name", &d.BoardName},
		{"chassis_type", &d.ChassisType}, {"chassis_vendor", &d.ChassisVendor},
	}
}

// Empty reports whether no DMI string was found.
func (d DMI) Empty() bool { return d == DMI{} }

// ReadDMI reads the DMI attributes under root. A missing directory (ARM
// boards, containers, mounted images) gives an empty DMI and no error. A
// file that cannot be read (permission, size) is skipped and described in
// the returned notes.
func ReadDMI(root hostfs.Root) (DMI, []string) {
	var d DMI
	var notes []string
	for _, f := range d.dmiFiles() {
		p := DMIDir + "/" + f.name
		b, err := root.ReadFileLimit(p, dmiLimit)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			notes = append(notes, describe(p, err))
			continue
		}
		*f.dst = CleanDMI(string(b))
	}
	return d, notes
}

// describe says why p could not be read, without the scanning machine's
// own path that os errors carry.
func describe(p string, err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "read " + p + ": permission denied"
	case errors.Is(err, hostfs.ErrTooLarge):
		return fmt.Sprintf("read %s: larger than %d bytes", p, dmiLimit)
	}
	return fmt.Sprintf("read %s: %v", p, err)
}

// placeholders are the strings firmware writers leave in unset SMBIOS
// fields; they say nothing about the hardware.
var placeholders = map[string]bool{
	"to be filled by o.e.m.": true, "to be filled by oem": true, "default string": true,
	"not specified": true, "not applicable": true, "system product name": true,
	"system manufacturer": true, "system version": true, "system serial number": true,
	"none": true, "o.e.m.": true, "oem": true, "undefined": true, "unknown": true,
	"0123456789": true, "123456789": true, "type1productconfigid": true, "n/a": true,
}

// CleanDMI trims a DMI value, drops control and non-printable characters
// (a truncated or corrupt table), and maps OEM placeholders to "".
func CleanDMI(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 128 {
		s = strings.TrimSpace(strings.ToValidUTF8(s[:128], ""))
	}
	if placeholders[strings.ToLower(s)] {
		return ""
	}
	return s
}

// ParseBIOSDate converts the SMBIOS date "MM/DD/YYYY" (or the older
// "MM/DD/YY", years 00–95 read as 20YY like the kernel's dmi_get_date) to
// "YYYY-MM-DD".
func ParseBIOSDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[0]) > 2 || len(parts[1]) > 2 {
		return "", fmt.Errorf("%w: bios date %q is not MM/DD/YYYY", ErrMalformed, clip(s))
	}
	y := parts[2]
	switch len(y) {
	case 2:
		if y < "96" {
			y = "20" + y
		} else {
			y = "19" + y
		}
	case 4:
	default:
		return "", fmt.Errorf("%w: bios date %q is not MM/DD/YYYY", ErrMalformed, clip(s))
	}
	t, err := time.Parse("1/2/2006", parts[0]+"/"+parts[1]+"/"+y)
	if err != nil {
		return "", fmt.Errorf("%w: bios date %q: %v", ErrMalformed, clip(s), err)
	}
	return t.Format(time.DateOnly), nil
}
