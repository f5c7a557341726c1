//go:build !linux

package all

import "github.com/demarc/demarc/collectors"

// platformCollectors: none beyond the portable ones off Linux; kernel,
// packages, hypervisor and firmware read Linux's files (platform_linux.go).
func platformCollectors(func(string) collectors.Deps) []collectors.Collector { return nil }
