// Package config loads /etc/demarc/agent.yaml strictly: unknown keys and bad
// values are errors that name the key and the line, so a typo never silently
// changes what the agent does. The same file configures `demarc scan`.
package config
