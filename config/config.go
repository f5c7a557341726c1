package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/report"
)

// MaxFileSize caps the configuration file: anything larger is not a config.
const MaxFileSize = 1 << 20

// Config is /etc/demarc/agent.yaml: the host's profile, the agent's
// schedule and delivery, and collector settings. `demarc scan --config`
// reads the same file and ignores the agent-only parts.
type Config struct {
	// Provider is the hosting provider's name, shown in reports.
	Provider string `yaml:"provider"`
	// Tier is managed, iaas or colocation.
	Tier string `yaml:"tier"`
	// MaintenanceAgreement defaults to true on managed, false otherwise.
	MaintenanceAgreement *bool `yaml:"maintenance_agreement"`
	// CustomerManagedVirtualisation defaults to false.
	CustomerManagedVirtualisation bool `yaml:"customer_managed_virtualisation"`
	// Tenant is the customer account the host belongs to (informational;
	// the server takes the tenant from the token).
	Tenant string `yaml:"tenant"`
	// HostID overrides the machine-id-derived host id.
	HostID string `yaml:"host_id"`
	// RulesFile overrides the built-in responsibility matrix.
	RulesFile string `yaml:"rules_file"`

	// Schedule is a robfig/cron spec or @every.
	Schedule string `yaml:"schedule"`
	// Splay is the random delay added to each scheduled run.
	Splay Duration `yaml:"splay"`
	// RunOnStart runs a scan as soon as the agent starts.
	RunOnStart *bool `yaml:"run_on_start"`
	// Report is where and how reports are delivered.
	Report ReportConfig `yaml:"report"`
	// StateDir holds the agent's credential state (host key, host id,
	// enrollment record) and, by default, the spool.
	StateDir string `yaml:"state_dir"`
	// Spool keeps undelivered reports.
	Spool SpoolConfig `yaml:"spool"`
	// TextfileDir, when set, receives node_exporter textfile metrics.
	TextfileDir string `yaml:"textfile_dir"`
	// Collectors configures individual collectors.
	Collectors CollectorsConfig `yaml:"collectors"`

	// src remembers where the configuration came from, so that checks made
	// after parsing (CheckAgent) can still name the line of a key.
	src source
}

// source is the file name and YAML tree a Config was parsed from.
type source struct {
	name string
	root *yaml.Node
}

// ReportConfig is the agent's delivery target.
type ReportConfig struct {
	URL string `yaml:"url"`
	// EnrollSecretFile holds the tenant's enroll secret (dme_…), traded
	// once for this host's key; it may be missing once the host is
	// enrolled.
	EnrollSecretFile string `yaml:"enroll_secret_file"`
	// TokenFile holds a tenant agent token (dmc_…): deprecated, used as
	// an enroll secret when EnrollSecretFile holds none.
	TokenFile         string   `yaml:"token_file"`
	CAFile            string   `yaml:"ca_file"`
	ClientCert        string   `yaml:"client_cert"`
	ClientKey         string   `yaml:"client_key"`
	Timeout           Duration `yaml:"timeout"`
	AllowInsecureHTTP bool     `yaml:"allow_insecure_http"`
}

// SpoolConfig is the agent's on-disk queue of undelivered reports.
type SpoolConfig struct {
	Dir        string `yaml:"dir"`
	MaxReports int    `yaml:"max_reports"`
}

// CollectorsConfig holds per-collector settings.
type CollectorsConfig struct {
	// Only, when not empty, limits the scan to these collectors.
	Only []string `yaml:"only"`
	// Timeout bounds each collector; 0 means the built-in default.
	Timeout Duration `yaml:"timeout"`
	// Webapps configures the web application walk.
	Webapps WebappsConfig `yaml:"webapps"`
	// Firmware configures firmware judgement.
	Firmware FirmwareConfig `yaml:"firmware"`
}

// WebappsConfig bounds the web application walk.
type WebappsConfig struct {
	Roots    []string `yaml:"roots"`
	MaxDepth int      `yaml:"max_depth"`
	MaxSites int      `yaml:"max_sites"`
	Timeout  Duration `yaml:"timeout"`
}

// FirmwareConfig holds firmware thresholds.
type FirmwareConfig struct {
	// MaxAge is the BIOS age past which firmware is a finding (default 3
	// years).
	MaxAge Duration `yaml:"max_age"`
}

// Duration is a time.Duration written as "15m", "6h" or "3y"/"90d" in YAML.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// ParseDuration parses Go durations plus the day ("90d") and year ("3y",
// 365 days) units that thresholds need. Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var v time.Duration
	var n int64
	if k, err := fmt.Sscanf(s, "%dd", &n); err == nil && k == 1 && fmt.Sprintf("%dd", n) == s {
		v = time.Duration(n) * 24 * time.Hour
	} else if k, err := fmt.Sscanf(s, "%dy", &n); err == nil && k == 1 && fmt.Sprintf("%dy", n) == s {
		v = time.Duration(n) * 365 * 24 * time.Hour
	} else {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q (examples: 30s, 15m, 6h, 90d, 3y)", s)
		}
		v = d
	}
	if v < 0 {
		return 0, fmt.Errorf("invalid duration %q: negative", s)
	}
	return v, nil
}

// Error is a configuration problem at a key and line.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	// Err is the underlying error (a missing file), when there is one.
	Err error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, msg)
	}
	return fmt.Sprintf("%s: %s", loc, msg)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, &Error{File: path, Msg: "file larger than 1 MiB"}
	}
	return Parse(path, b)
}

// Parse decodes and validates configuration bytes; name is used in errors.
// Unknown keys and bad values are errors naming the key and the line.
func Parse(name string, b []byte) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			c := &Config{src: source{name: name, root: &yaml.Node{}}}
			c.applyAgentDefaults()
			return c, nil
		}
		return nil, yamlError(name, err)
	}
	var c Config
	if err := decodeStrict(&root, &c); err != nil {
		return nil, yamlError(name, err)
	}
	c.src = source{name: name, root: &root}
	if err := c.validate(name, &root); err != nil {
		return nil, err
	}
	c.applyAgentDefaults()
	return &c, nil
}

func decodeStrict(n *yaml.Node, v any) error {
	out, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		// "line 4: field tierr not found in type config.Config"
		return &Error{File: name, Msg: te.Errors[0]}
	}
	return &Error{File: name, Msg: err.Error()}
}

// Profile returns the host's service profile from the configuration, with
// the defaults: tier managed, provider "the provider", a maintenance
// agreement on managed only.
func (c *Config) Profile() report.Profile {
	p := report.Profile{
		Provider:                      c.Provider,
		Tier:                          report.Tier(c.Tier),
		CustomerManagedVirtualisation: c.CustomerManagedVirtualisation,
		Tenant:                        c.Tenant,
	}
	if p.Provider == "" {
		p.Provider = DefaultProvider
	}
	if p.Tier == "" {
		p.Tier = report.TierManaged
	}
	if c.MaintenanceAgreement != nil {
		p.MaintenanceAgreement = *c.MaintenanceAgreement
	} else {
		p.MaintenanceAgreement = p.Tier.DefaultMaintenanceAgreement()
	}
	return p
}

// DefaultProvider is the provider's name when none is configured.
const DefaultProvider = "the provider"
