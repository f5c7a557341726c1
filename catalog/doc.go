// Package catalog is demarc's product catalogue: one declarative entry
// (catalog.yaml) per product a collector reports — its id, display name,
// layer, collector, who ships it, how its versions are ordered, which
// lifecycle data judges it (or why none does), and the facts the rules
// need about it (a routine update, a hypervisor platform, a rolling
// release, a successor). The lifecycle data's aliases and
// docs/COMPONENTS.md's component table are made from it, and a test fails
// when a product any fixture host reports is missing from it or has
// neither lifecycle data nor a reason for none.
package catalog
