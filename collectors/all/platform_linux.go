package all

import (
	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/firmware"
	"github.com/demarc/demarc/collectors/hypervisor"
	"github.com/demarc/demarc/collectors/kernel"
	"github.com/demarc/demarc/collectors/packages"
)

// platformCollectors are the collectors that read what only Linux has:
// the kernel's packages and /proc, the package managers, the hypervisors'
// and the firmware's /sys and /proc files. A build for another platform
// (the FreeBSD binary) does not link them (platform_other.go).
func platformCollectors(with func(string) collectors.Deps) []collectors.Collector {
	return []collectors.Collector{
		kernel.New(with("kernel")),
		packages.New(with("packages")),
		hypervisor.New(with("hypervisor")),
		firmware.New(with("firmware")),
	}
}
