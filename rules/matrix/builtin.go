package matrix

import (
	"sync"

	"go.yaml.in/yaml/v3"
)

var (
	quotesOnce sync.Once
	quotes     map[string]string
	quotesErr  error
)

// builtinQuotes reads the refinement citations of the built-in matrix
// (used when a provider's file leaves refinements out).
func builtinQuotes() (map[string]string, error) {
	quotesOnce.Do(func() {
		var f struct {
			Refinements map[string]string `yaml:"refinements"`
		}
		quotesErr = yaml.Unmarshal(defaultYAML, &f)
		quotes = f.Refinements
	})
	return quotes, quotesErr
}
