package web

import (
	"strings"

	"github.com/demarc/demarc/report"
)

// softwareRow is one installed component as the host page lists it: which
// copy it is (several PHP versions side by side, many WordPress sites) and
// where its version came from.
type softwareRow struct {
	Layer   report.Layer
	Product string
	Version string
	// Instance names the copy: the collector's instance ("ea-php81",
	// "alt-php74", "system", "postgresql-15") or, for a site, its path.
	Instance string
	// Package is the package it came from and that package's version
	// ("ea-php81-php-cli 8.1.31-1.el8"), when the collector read one.
	Package string
	// Source is the file or command the version was read from.
	Source string
}

// software lists the components of a report for the host page.
func software(cs []report.Component) []softwareRow {
	rows := make([]softwareRow, len(cs))
	for i, c := range cs {
		d := c.Details
		instance := d["instance"]
		if instance == "" {
			instance = d["path"]
		}
		rows[i] = softwareRow{Layer: c.Layer, Product: c.Product, Version: c.Version, Instance: instance,
			Package: strings.TrimSpace(d["package"] + " " + d["package_version"]), Source: c.Source}
	}
	return rows
}
