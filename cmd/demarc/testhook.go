//go:build !demarctest

package main

import "github.com/demarc/demarc/scan"

// testCollectors returns o unchanged: the real collectors. A build with
// the demarctest tag (the agent's end-to-end tests) replaces them with a
// fake.
func testCollectors(o scan.Options) scan.Options {
	return o
}
