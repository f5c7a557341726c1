package firmware

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/hwinfo"
	"github.com/demarc/demarc/report"
)

// DefaultBMCTimeout bounds the BMC reads: the kernel may ask the BMC.
const DefaultBMCTimeout = 5 * time.Second

// bmcDir is the kernel IPMI driver's device of the first BMC.
const bmcDir = "/sys/bus/platform/devices/ipmi_bmc.0"

// Option configures a Collector.
type Option func(*Collector)

// WithBMCTimeout sets the bound on the BMC reads.
func WithBMCTimeout(d time.Duration) Option { return func(c *Collector) { c.bmcTimeout = d } }

// fileSystem is the part of hostfs.Root the collector reads /proc and
// /sys through (DMI is read by hwinfo from the root itself); tests wrap it
// to make a read block as a BMC that does not answer does.
type fileSystem interface {
	ReadFileLimit(p string, limit int64) ([]byte, error)
	Glob(pattern string) ([]string, error)
}

// Collector reports BIOS, CPU microcode and BMC firmware.
type Collector struct {
	deps       collectors.Deps
	fsys       fileSystem
	bmcTimeout time.Duration
}

// New returns the firmware collector.
func New(deps collectors.Deps, opts ...Option) *Collector {
	c := &Collector{deps: deps, fsys: deps.Root, bmcTimeout: DefaultBMCTimeout}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name implements collectors.Collector.
func (c *Collector) Name() string { return "firmware" }

// Sources implements collectors.Collector.
func (c *Collector) Sources() collectors.Sources {
	return collectors.Sources{
		Detects: "BIOS/UEFI vendor, version and date, system make and model, CPU microcode revision, BMC firmware revision",
		Files: []string{hwinfo.DMIDir + "/{bios_*,sys_vendor,product_*,board_*,chassis_*} (0444 only)", "/proc/cpuinfo",
			"/sys/devices/system/cpu/cpu*/microcode/{version,processor_flags}", bmcDir + "/{firmware_revision,manufacturer_id,ipmi_version,product_id}",
			"/sys/hypervisor/type", "/proc/xen/capabilities"},
		Privileges:  "none",
		NotDetected: "no DMI, microcode or BMC files (ARM boards, some VMs, containers, mounted roots): empty result",
	}
}

// Collect implements collectors.Collector.
func (c *Collector) Collect(ctx context.Context) (collectors.Result, error) {
	rec := &collectors.Recorder{}
	if c.deps.Live == nil {
		return rec.Result(), nil // /sys and /proc under the root are no running kernel's
	}
	dmi, notes := hwinfo.ReadDMI(c.deps.Root)
	rec.NoteAll(notes)
	cpus, err := c.cpuinfo()
	if err != nil {
		rec.Fail(err)
	}
	virtual := c.isVirtual(dmi, cpus)
	if comp, err := biosComponent(dmi, virtual); err != nil {
		rec.Fail(err)
		rec.Add(comp)
	} else if comp.Product != "" {
		rec.Add(comp)
	}
	comp, mnotes := c.microcode(cpus, virtual)
	rec.NoteAll(mnotes)
	if comp.Product != "" {
		rec.Add(comp)
	}
	comp, err = c.bmc(ctx)
	if err != nil {
		rec.Fail(err)
	}
	if comp.Product != "" {
		rec.Add(comp)
	}
	return rec.Result(), ctx.Err()
}

// read reads a small live file; missing is ("", nil).
func (c *Collector) read(p string) (string, error) {
	b, err := c.fsys.ReadFileLimit(p, 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (c *Collector) cpuinfo() ([]hwinfo.CPU, error) {
	b, err := c.fsys.ReadFileLimit("/proc/cpuinfo", 16<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read /proc/cpuinfo: %w", err)
	}
	cpus, err := hwinfo.ParseCPUInfo(b)
	if err != nil {
		return cpus, fmt.Errorf("read /proc/cpuinfo: %w", err)
	}
	return cpus, nil
}

// isVirtual says whether the firmware seen is a hypervisor's: the DMI
// vendor table, the cpuinfo hypervisor flag, or a Xen domU. A Xen dom0 has
// the hypervisor flag but real firmware.
func (c *Collector) isVirtual(dmi hwinfo.DMI, cpus []hwinfo.CPU) bool {
	if caps, _ := c.read("/proc/xen/capabilities"); strings.Contains(caps, "control_d") {
		return false
	}
	if id, _ := hwinfo.VirtVendor(dmi); id != "" {
		return true
	}
	if guest, _ := hwinfo.CPUGuest(cpus); guest {
		return true
	}
	typ, _ := c.read("/sys/hypervisor/type")
	return typ == "xen"
}

// biosComponent builds the bios component; an unparsable date is an error
// and the component is returned without it.
func biosComponent(d hwinfo.DMI, virtual bool) (report.Component, error) {
	if d.Empty() {
		return report.Component{}, nil
	}
	det := map[string]string{"virtual": fmt.Sprint(virtual)}
	for k, v := range map[string]string{
		"vendor": d.BIOSVendor, "release": d.BIOSRelease, "sys_vendor": d.SysVendor,
		"product_name": d.ProductName, "product_family": d.ProductFamily,
		"board_name": d.BoardName, "chassis_type": d.ChassisType,
	} {
		if v != "" {
			det[k] = v
		}
	}
	comp := report.Component{Layer: report.LayerPhysicalHost, Product: "bios", Version: d.BIOSVersion,
		Source: hwinfo.DMIDir, Details: det}
	if d.BIOSDate == "" {
		return comp, nil
	}
	date, err := hwinfo.ParseBIOSDate(d.BIOSDate)
	if err != nil {
		return comp, fmt.Errorf("read %s/bios_date: %w", hwinfo.DMIDir, err)
	}
	det["date"] = date
	return comp, nil
}

// microcode reports the lowest microcode revision across CPUs, from
// /proc/cpuinfo or else sysfs.
func (c *Collector) microcode(cpus []hwinfo.CPU, virtual bool) (report.Component, []string) {
	var revs []string
	for _, cpu := range cpus {
		if cpu.Microcode != "" {
			revs = append(revs, cpu.Microcode)
		}
	}
	source := "/proc/cpuinfo"
	if len(revs) == 0 {
		source = "/sys/devices/system/cpu/cpu*/microcode/version"
		paths, _ := c.fsys.Glob(source)
		for _, p := range paths {
			if v, err := c.read(p); err == nil && v != "" {
				revs = append(revs, v)
			}
		}
	}
	sum, ok := hwinfo.SummariseMicrocode(revs)
	var notes []string
	if sum.Bad > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d of %d microcode revisions unreadable", source, sum.Bad, len(revs)))
	}
	if !ok {
		return report.Component{}, notes
	}
	det := map[string]string{"mixed": fmt.Sprint(sum.Mixed), "virtual": fmt.Sprint(virtual)}
	if sum.Mixed {
		det["max_version"] = fmt.Sprintf("0x%x", sum.Max)
	}
	if len(cpus) > 0 {
		for k, v := range map[string]string{"vendor_id": cpus[0].VendorID, "family": cpus[0].Family,
			"model": cpus[0].Model, "stepping": cpus[0].Stepping} {
			if v != "" && len(v) <= 64 {
				det[k] = v
			}
		}
	}
	if pf, err := c.read("/sys/devices/system/cpu/cpu0/microcode/processor_flags"); err == nil && pf != "" && len(pf) <= 18 {
		det["processor_flags"] = pf
	}
	return report.Component{Layer: report.LayerPhysicalHost, Product: "cpu-microcode",
		Version: fmt.Sprintf("0x%x", sum.Min), Source: source, Details: det}, notes
}

// bmc reads the BMC attributes in a goroutine bounded by the BMC timeout
// and the context: a read can block on the BMC, and a blocked read is
// abandoned rather than waited for.
func (c *Collector) bmc(ctx context.Context) (report.Component, error) {
	type result struct {
		vals map[string]string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		vals := map[string]string{}
		for _, a := range []string{"firmware_revision", "manufacturer_id", "ipmi_version", "product_id"} {
			v, err := c.read(path.Join(bmcDir, a))
			if err != nil {
				done <- result{err: err}
				return
			}
			vals[a] = v
		}
		done <- result{vals: vals}
	}()
	ctx, cancel := context.WithTimeout(ctx, c.bmcTimeout)
	defer cancel()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return report.Component{}, fmt.Errorf("read %s: %w", bmcDir, ctx.Err())
	}
	if r.err != nil || r.vals["firmware_revision"] == "" {
		return report.Component{}, r.err
	}
	rev, err := ParseBMCRevision(r.vals["firmware_revision"])
	if err != nil {
		return report.Component{}, fmt.Errorf("read %s/firmware_revision: %w", bmcDir, err)
	}
	det := map[string]string{}
	for k, v := range r.vals {
		if k != "firmware_revision" && v != "" && len(v) <= 32 {
			det[k] = v
		}
	}
	return report.Component{Layer: report.LayerPhysicalHost, Product: "bmc", Version: rev,
		Source: bmcDir + "/firmware_revision", Details: det}, nil
}
