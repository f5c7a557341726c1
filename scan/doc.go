// Package scan runs one scan of a host: the registered collectors
// concurrently (each under a timeout, a panic in one recovered as that
// collector's error), the rules over their merged observations, and the
// demarc.report/v1 report. `demarc scan` and the agent both call Run.
package scan
