package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/demarc/demarc/report"
)

// firmware reports a BIOS older than FirmwareMaxAge (by its BIOS date) as
// a low-severity patch_behind: vendors ship firmware fixes (CPU microcode,
// security advisories) that an old BIOS lacks. demarc has no firmware
// release data, so age is the signal.
func (x *evaluation) firmware(c report.Component) {
	date := detail(c, "date")
	if date == "" {
		return
	}
	built, err := time.Parse(time.DateOnly, date)
	if err != nil {
		x.note("bios: date %q is not YYYY-MM-DD: firmware age not judged", date)
		return
	}
	age := x.at.Sub(built)
	if age <= x.e.opts.FirmwareMaxAge {
		return
	}
	years := float64(age.Hours()) / 24 / 365
	limit := float64(x.e.opts.FirmwareMaxAge.Hours()) / 24 / 365
	// Firmware updates come from the system's maker (Supermicro, Dell),
	// not from the BIOS core's (American Megatrends, Phoenix, Insyde).
	vendor := firstNonEmpty(detail(c, "sys_vendor"), detail(c, "vendor"), "the vendor")
	model := firstNonEmpty(detail(c, "product_name"), "this server")
	if sv := detail(c, "sys_vendor"); sv != "" && model != "this server" && !strings.HasPrefix(model, sv) {
		model = sv + " " + model
	}
	g := gap{
		kind: report.KindPatchBehind, layer: report.LayerPhysicalHost, product: "bios", display: "BIOS",
		installed: firstNonEmpty(c.Version, "unknown") + " (" + date + ")", severity: severityOf(report.KindPatchBehind, report.LayerPhysicalHost),
		what: fmt.Sprintf("the BIOS of %s is dated %s, %.1f years old (over the %.0f-year limit), so it likely lacks %s's later firmware and microcode fixes",
			model, date, years, limit, vendor),
		remediation: fmt.Sprintf("Check %s's support site for %s firmware updates and apply them in a maintenance window", vendor, model),
		evidence:    []string{fmt.Sprintf("%s: bios %s dated %s", firstNonEmpty(c.Source, "dmi"), c.Version, date)},
		instance:    detail(c, "product_name"),
	}
	x.finish(g, x.matrixOwner(report.LayerPhysicalHost))
}
