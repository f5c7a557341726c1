// Package report defines demarc.report/v1, the versioned contract between the
// host binary and demarc-server, and renders it for people (terminal table,
// Markdown) and programs (JSON).
//
// Compatibility: within v1 fields are only added, optional, never renamed,
// removed, retyped or reused; readers ignore unknown fields. A breaking
// change is a new schema beside this one. testdata/compat/ keeps one sample
// report per released v1 minor and schema.json is generated from the types
// (go generate) and checked in CI.
package report
