package hypervisor

import (
	"fmt"

	"github.com/demarc/demarc/report"
)

// pvecfgPath is the Perl module pve-manager's build writes its version
// into.
const pvecfgPath = "/usr/share/perl5/PVE/pvecfg.pm"

// proxmox reports Proxmox VE: the installed version from the package
// database (else pvecfg.pm), and on a live host the version and kernel
// `pveversion` reports as running.
func (s *state) proxmox() {
	var comp *report.Component
	if p, ok := s.Pkg("pve-manager"); ok {
		if v, err := NormalisePVE(p.Version); err != nil {
			s.Fail(fmt.Errorf("pve-manager package: %w", err))
		} else {
			comp = &report.Component{Product: "proxmox-ve", Version: v, Source: s.Packages().Source,
				Details: map[string]string{"package_version": p.Version}}
		}
	}
	if comp == nil {
		if b, ok := s.readFile(pvecfgPath); ok {
			if raw, _, err := ParsePvecfg([]byte(b)); err != nil {
				s.Fail(fmt.Errorf("read %s: %w", pvecfgPath, err))
			} else {
				v, _ := NormalisePVE(raw)
				comp = &report.Component{Product: "proxmox-ve", Version: v, Source: pvecfgPath,
					Details: map[string]string{"package_version": raw}}
			}
		}
	}
	if out, ok := s.command("pveversion"); ok {
		pve, err := ParsePveversion(out.text)
		if err != nil {
			s.Fail(fmt.Errorf("pveversion: %w", err))
		} else {
			running := pve.Running
			if running == "" {
				running = pve.Version
			}
			rv, _ := NormalisePVE(running)
			if comp == nil {
				comp = &report.Component{Product: "proxmox-ve", Version: rv, Source: "pveversion", Details: map[string]string{}}
			}
			comp.Details["running_version"] = rv
			if pve.RunningKernel != "" {
				comp.Details["running_kernel"] = pve.RunningKernel
			}
		}
	}
	if comp != nil {
		s.Add(*comp)
		s.sig.hostStacks = append(s.sig.hostStacks, "proxmox-ve")
	}
}

// qemu reports QEMU/KVM userspace: package database first, then the first
// binary that answers --version.
func (s *state) qemu() {
	comp, ok := s.FromPackage("qemu", "pve-qemu-kvm", "qemu-system-x86", "qemu-kvm-core", "qemu-kvm")
	if !ok {
		for _, bin := range []string{"qemu-system-x86_64", "/usr/libexec/qemu-kvm", "kvm"} {
			out, ran := s.command(bin, "--version")
			if !ran {
				continue
			}
			v, pkg, err := ParseQEMUVersion(out.text)
			if err != nil {
				s.Fail(fmt.Errorf("%s --version: %w", bin, err))
				continue
			}
			comp, ok = report.Component{Product: "qemu", Version: v, Source: bin + " --version",
				Details: map[string]string{"binary": bin}}, true
			if pkg != "" {
				comp.Details["package_version"] = pkg
			}
			break
		}
	}
	if ok {
		s.Add(comp)
		s.sig.hostStacks = append(s.sig.hostStacks, "qemu")
	}
}

// libvirt reports libvirt: package database first, then libvirtd or the
// modular virtqemud.
func (s *state) libvirt() {
	comp, ok := s.FromPackage("libvirt", "libvirt-daemon-system", "libvirt-daemon", "libvirt")
	if !ok {
		for _, bin := range []string{"libvirtd", "virtqemud"} {
			out, ran := s.command(bin, "--version")
			if !ran {
				continue
			}
			v, err := ParseLibvirtdVersion(out.text)
			if err != nil {
				s.Fail(fmt.Errorf("%s --version: %w", bin, err))
				continue
			}
			comp, ok = report.Component{Product: "libvirt", Version: v, Source: bin + " --version",
				Details: map[string]string{"binary": bin}}, true
			break
		}
	}
	if ok {
		s.Add(comp)
		s.sig.hostStacks = append(s.sig.hostStacks, "libvirt")
	}
}

// esxi reports VMware ESXi when its `vmware` command exists (ESXi shell).
func (s *state) esxi() {
	out, ok := s.command("vmware", "-v")
	if !ok {
		return
	}
	v, build, err := ParseVMwareV(out.text)
	if err != nil {
		s.Fail(fmt.Errorf("vmware -v: %w", err))
		return
	}
	s.Add(report.Component{Product: "esxi", Version: v, Source: "vmware -v", Details: map[string]string{"build": build}})
	s.sig.hostStacks = append(s.sig.hostStacks, "esxi")
}

// kvm reports /dev/kvm: the kvm module is loaded and the host can run KVM
// guests (a nested-virtualisation guest too).
func (s *state) kvm() {
	if !s.liveExists("/dev/kvm") {
		return
	}
	s.sig.devKVM = true
	d := map[string]string{"dev_kvm": "true"}
	for _, mod := range []string{"kvm_intel", "kvm_amd"} {
		if v, ok := s.liveFile("/sys/module/" + mod + "/parameters/nested"); ok {
			d["nested"] = fmt.Sprint(v == "Y" || v == "1")
		}
	}
	s.kvmDev = &report.Component{Product: "kvm", Version: "", Source: "/dev/kvm", Details: d}
}

// kvmComponent reports the kvm component of /dev/kvm, except in a
// container: a container handed the host's /dev/kvm (docker run --device
// /dev/kvm, an LXC device entry) runs no hypervisor of its own; the host
// it runs on does, and is scanned as itself.
func (s *state) kvmComponent() {
	if s.kvmDev == nil {
		return
	}
	if ct := container(s.sig); ct != "" {
		s.Note("/dev/kvm is visible inside this %s container: it is the container host's KVM, not a hypervisor of this system, so no kvm component is reported", ct)
		return
	}
	s.Add(*s.kvmDev)
}
