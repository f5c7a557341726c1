package matrix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/demarc/demarc/report"
)

// MaxFileSize caps a matrix file.
const MaxFileSize = 1 << 20

// Sentinel errors wrapped by *Error.
var (
	ErrSyntax       = errors.New("not valid YAML")
	ErrUnknownKey   = errors.New("unknown key")
	ErrUnknownLayer = errors.New("unknown layer")
	ErrUnknownTier  = errors.New("unknown tier")
	ErrMissing      = errors.New("missing")
	ErrBadValue     = errors.New("bad value")
	ErrDuplicate    = errors.New("duplicate key")
	ErrTooLarge     = errors.New("file larger than 1 MiB")
)

// Error is a problem in a matrix file, at a key and line.
type Error struct {
	File string
	Line int
	Key  string
	Err  error
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	msg := e.Err.Error()
	if e.Msg != "" {
		msg += ": " + e.Msg
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, msg)
	}
	return fmt.Sprintf("%s: %s", loc, msg)
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// Load reads and validates the matrix file at path.
func Load(path string) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rules file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read rules file %s: %w", path, err)
	}
	return Parse(path, b)
}

// Parse decodes and validates matrix bytes; name is used in errors.
func Parse(name string, b []byte) (*Matrix, error) {
	p := &parser{file: name}
	if len(b) > MaxFileSize {
		return nil, p.errAt(nil, "", ErrTooLarge, "")
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errAt(nil, "layers", ErrMissing, "the file is empty")
		}
		return nil, p.errAt(nil, "", ErrSyntax, err.Error())
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	return p.matrix(root)
}

type parser struct{ file string }

func (p *parser) errAt(n *yaml.Node, key string, err error, msg string) error {
	e := &Error{File: p.file, Key: key, Err: err, Msg: msg}
	if n != nil {
		e.Line = n.Line
	}
	return e
}

// pairs checks that n is a mapping with string keys, no duplicates and
// only allowed keys, and returns key → (key node, value node).
func (p *parser) pairs(n *yaml.Node, path string, allowed func(string, *yaml.Node) error) (map[string][2]*yaml.Node, []string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, p.errAt(n, path, ErrBadValue, "want a mapping")
	}
	out := make(map[string][2]*yaml.Node)
	var order []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			return nil, nil, p.errAt(k, path, ErrBadValue, "keys must be plain words")
		}
		if _, dup := out[k.Value]; dup {
			return nil, nil, p.errAt(k, key, ErrDuplicate, "")
		}
		if err := allowed(k.Value, v); err != nil {
			return nil, nil, p.errAt(k, key, err, "")
		}
		out[k.Value] = [2]*yaml.Node{k, v}
		order = append(order, k.Value)
	}
	return out, order, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func only(keys ...string) func(string, *yaml.Node) error {
	return func(k string, _ *yaml.Node) error {
		if slices.Contains(keys, k) {
			return nil
		}
		return ErrUnknownKey
	}
}

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", p.errAt(n, key, ErrBadValue, "want a string")
	case n.Tag == "!!null":
		return "", nil
	}
	return n.Value, nil
}

func (p *parser) matrix(root *yaml.Node) (*Matrix, error) {
	top, _, err := p.pairs(root, "", only("schema", "model", "provider", "layers", "refinements"))
	if err != nil {
		return nil, err
	}
	m := &Matrix{Origin: p.file, Model: "the responsibility matrix", Layers: map[report.Layer]*Layer{}, Quotes: map[string]string{}}
	if kv, ok := top["schema"]; ok {
		s, err := p.str(kv[1], "schema")
		if err != nil {
			return nil, err
		}
		if s != Schema {
			return nil, p.errAt(kv[1], "schema", ErrBadValue, fmt.Sprintf("%q, want %q", s, Schema))
		}
	}
	for key, dst := range map[string]*string{"model": &m.Model, "provider": &m.Provider} {
		if kv, ok := top[key]; ok {
			if *dst, err = p.str(kv[1], key); err != nil {
				return nil, err
			}
		}
	}
	kv, ok := top["layers"]
	if !ok {
		return nil, p.errAt(root, "layers", ErrMissing, "")
	}
	if err := p.layers(m, kv[1]); err != nil {
		return nil, err
	}
	if kv, ok := top["refinements"]; ok {
		if err := p.refinements(m, kv[1]); err != nil {
			return nil, err
		}
	}
	for _, id := range Refinements {
		if _, ok := m.Quotes[id]; !ok {
			m.Quotes[id] = builtinQuote(id)
		}
	}
	return m, nil
}

func (p *parser) layers(m *Matrix, n *yaml.Node) error {
	known := func(k string, _ *yaml.Node) error {
		if report.Layer(k).Valid() {
			return nil
		}
		return ErrUnknownLayer
	}
	pairs, _, err := p.pairs(n, "layers", known)
	if err != nil {
		return err
	}
	for _, id := range report.Layers {
		kv, ok := pairs[string(id)]
		if !ok {
			return p.errAt(n, "layers."+string(id), ErrMissing, "every layer must be present")
		}
		l, err := p.layer(id, kv[1])
		if err != nil {
			return err
		}
		m.Layers[id] = l
	}
	return nil
}

func (p *parser) layer(id report.Layer, n *yaml.Node) (*Layer, error) {
	path := "layers." + string(id)
	// A key holding a cell value ("provider", "customer"...) is a tier
	// name; any other unknown key is just unknown.
	allowed := func(k string, v *yaml.Node) error {
		switch {
		case k == "label" || k == "provider_quote" || k == "customer_quote":
			return nil
		case tierQuote(k) != nil:
			return nil
		case report.Tier(k).Valid():
			return nil
		}
		if _, err := p.cell(v, k); err == nil {
			return ErrUnknownTier
		}
		return ErrUnknownKey
	}
	pairs, _, err := p.pairs(n, path, allowed)
	if err != nil {
		return nil, err
	}
	l := &Layer{ID: id, Label: string(id), Cells: map[report.Tier]Cell{}}
	for key, dst := range map[string]*string{"label": &l.Label, "provider_quote": &l.ProviderQuote, "customer_quote": &l.CustomerQuote} {
		if kv, ok := pairs[key]; ok {
			if *dst, err = p.str(kv[1], path+"."+key); err != nil {
				return nil, err
			}
		}
	}
	for key, kv := range pairs {
		tq := tierQuote(key)
		if tq == nil {
			continue
		}
		q, err := p.str(kv[1], path+"."+key)
		if err != nil {
			return nil, err
		}
		if l.TierQuotes == nil {
			l.TierQuotes = map[report.Tier]map[report.Responsible]string{}
		}
		if l.TierQuotes[tq.tier] == nil {
			l.TierQuotes[tq.tier] = map[report.Responsible]string{}
		}
		l.TierQuotes[tq.tier][tq.party] = q
	}
	for _, t := range report.Tiers {
		kv, ok := pairs[string(t)]
		if !ok {
			return nil, p.errAt(n, path+"."+string(t), ErrMissing, "every layer needs a cell for managed, iaas and colocation")
		}
		c, err := p.cell(kv[1], path+"."+string(t))
		if err != nil {
			return nil, err
		}
		l.Cells[t] = c
	}
	return l, nil
}

// tierQuoteKey is a key <party>_quote_<tier>.
type tierQuoteKey struct {
	party report.Responsible
	tier  report.Tier
}

// tierQuote parses k as <party>_quote_<tier>, or nil.
func tierQuote(k string) *tierQuoteKey {
	party, tier, ok := strings.Cut(k, "_quote_")
	if !ok || !report.Tier(tier).Valid() {
		return nil
	}
	if r := report.Responsible(party); r == report.ResponsibleProvider || r == report.ResponsibleCustomer {
		return &tierQuoteKey{r, report.Tier(tier)}
	}
	return nil
}

// cell reads "provider", "customer", "provider if maintenance_agreement"
// or "provider unless customer_managed_virtualisation".
func (p *parser) cell(n *yaml.Node, key string) (Cell, error) {
	s, err := p.str(n, key)
	if err != nil {
		return Cell{}, err
	}
	norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	switch norm {
	case "provider":
		return Cell{Party: report.ResponsibleProvider, Text: s}, nil
	case "customer":
		return Cell{Party: report.ResponsibleCustomer, Text: s}, nil
	case "provider if maintenance_agreement":
		return Cell{Party: report.ResponsibleProvider, Cond: IfMaintenanceAgreement, Text: s}, nil
	case "provider unless customer_managed_virtualisation":
		return Cell{Party: report.ResponsibleProvider, Cond: UnlessCustomerVirtualisation, Text: s}, nil
	}
	return Cell{}, p.errAt(n, key, ErrBadValue, fmt.Sprintf("%q (want provider, customer, "+
		"\"provider if maintenance_agreement\" or \"provider unless customer_managed_virtualisation\")", s))
}

func (p *parser) refinements(m *Matrix, n *yaml.Node) error {
	pairs, order, err := p.pairs(n, "refinements", only(Refinements...))
	if err != nil {
		return err
	}
	for _, id := range order {
		if m.Quotes[id], err = p.str(pairs[id][1], "refinements."+id); err != nil {
			return err
		}
	}
	return nil
}

// builtinQuote is the default citation of a refinement a file omits.
func builtinQuote(id string) string {
	def, err := builtinQuotes()
	if err != nil {
		return ""
	}
	return def[id]
}
