package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// validate checks values the YAML types cannot; errors name the key and
// the line it is on.
func (c *Config) validate(name string, root *yaml.Node) error {
	bad := func(key, msg string) error {
		return &Error{File: name, Line: lineOf(root, key), Key: key, Msg: msg}
	}
	switch c.Tier {
	case "", "managed", "iaas", "colocation":
	default:
		return bad("tier", "must be managed, iaas or colocation, not "+quote(c.Tier))
	}
	if c.Spool.MaxReports < 0 {
		return bad("spool.max_reports", "must not be negative")
	}
	if c.Collectors.Webapps.MaxDepth < 0 {
		return bad("collectors.webapps.max_depth", "must not be negative")
	}
	if c.Collectors.Webapps.MaxSites < 0 {
		return bad("collectors.webapps.max_sites", "must not be negative")
	}
	for _, r := range c.Collectors.Webapps.Roots {
		if !strings.HasPrefix(r, "/") {
			return bad("collectors.webapps.roots", "must be absolute paths, not "+quote(r))
		}
	}
	return c.validateAgent(bad)
}

// lineOf finds the line of a dotted key ("spool.max_reports") in the
// document, or 0.
func lineOf(root *yaml.Node, key string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(key, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

func quote(s string) string { return "\"" + s + "\"" }
