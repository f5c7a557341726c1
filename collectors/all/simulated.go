package all

import (
	"context"
	"errors"

	"github.com/demarc/demarc/collectors/kernel"
)

// Simulated holds the live-only facts of a host that is not the running
// system: a fixture root in tests, or a simulated fleet member. With it,
// every collector treats the root as live: /proc and /sys are read under
// the root, commands run through the (fake) runner, and the running
// kernel, host name, uptime and virtualization come from here.
type Simulated struct {
	Hostname       string `yaml:"hostname" json:"hostname"`
	UptimeSeconds  uint64 `yaml:"uptime_seconds" json:"uptime_seconds"`
	Virtualization struct {
		System string `yaml:"system" json:"system"`
		Role   string `yaml:"role" json:"role"`
	} `yaml:"virtualization" json:"virtualization"`
	Kernel struct {
		Release string `yaml:"release" json:"release"`
		Version string `yaml:"version" json:"version"`
		Machine string `yaml:"machine" json:"machine"`
	} `yaml:"kernel" json:"kernel"`
}

// WithSimulated builds the collectors for a simulated live host.
func WithSimulated(s Simulated) Option {
	return func(o *options) { o.sim = &s }
}

// errNoUname is returned when the simulated host has no running kernel.
var errNoUname = errors.New("simulated host has no running kernel")

func (s *Simulated) uname() (kernel.Uname, error) {
	if s.Kernel.Release == "" {
		return kernel.Uname{}, errNoUname
	}
	return kernel.Uname{Release: s.Kernel.Release, Version: s.Kernel.Version, Machine: s.Kernel.Machine}, nil
}

// simLive is osinfo's view of a simulated host.
type simLive struct{ s *Simulated }

func (l simLive) Hostname() (string, error) { return l.s.Hostname, nil }

func (l simLive) Uptime(context.Context) (uint64, error) { return l.s.UptimeSeconds, nil }

func (l simLive) Virtualization(context.Context) (string, string, error) {
	return l.s.Virtualization.System, l.s.Virtualization.Role, nil
}
