// Package reportgen builds realistic, valid demarc.report/v1 reports for
// tests, benchmarks and the fleet simulation: hosts of every tier on real
// OS releases with control panels and server software, each report holding
// 40 findings (by default) with the strings a real scan writes. A Host
// produces a sequence of reports over time whose findings drift the way a
// real host's do (one patched, one new), so a server sees both unchanged and
// changed findings. Everything is deterministic from a seed.
package reportgen
