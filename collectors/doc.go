// Package collectors defines what a collector is: a component that observes
// one part of a host (OS release, kernel, pending updates, control panels,
// hypervisors, firmware, applications, web apps) through an injected root,
// command runner, logger and clock, and returns facts without judging them.
//
// Each collector lives in its own package below this one with its doc.go and
// testdata/<case>/ fixtures; collectors/all lists them in order.
package collectors
