package clidocs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Options says what to put in the man page header.
type Options struct {
	// Version is shown as the source of every page ("demarc 1.2.3").
	Version string
	// Manual names the manual ("demarc manual").
	Manual string
	// Date is the page date; packaging passes the last commit's time.
	Date time.Time
}

// ErrNoRoot means the command given is not a root command.
var ErrNoRoot = errors.New("clidocs: not a root command")

// Write generates, under dir, man/<name>[-<sub>…].1.gz for every available
// command (help and completion commands excluded) and
// completions/{bash/<name>,zsh/_<name>,fish/<name>.fish}.
func Write(root *cobra.Command, dir string, o Options) error {
	if root.HasParent() {
		return ErrNoRoot
	}
	root.DisableAutoGenTag = true
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, d := range []string{"man", "completions/bash", "completions/zsh", "completions/fish"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := writeMan(root, filepath.Join(dir, "man"), o); err != nil {
		return err
	}
	return writeCompletions(root, filepath.Join(dir, "completions"))
}

// writeMan writes the page of cmd and of each of its documented
// descendants.
func writeMan(cmd *cobra.Command, dir string, o Options) error {
	for _, c := range cmd.Commands() {
		if !documented(c) {
			continue
		}
		if err := writeMan(c, dir, o); err != nil {
			return err
		}
	}
	date := o.Date.UTC()
	h := &doc.GenManHeader{Section: "1", Date: &date, Source: strings.TrimSpace(cmd.Root().Name() + " " + o.Version), Manual: o.Manual}
	var page bytes.Buffer
	if err := doc.GenMan(cmd, h, &page); err != nil {
		return fmt.Errorf("man page of %q: %w", cmd.CommandPath(), err)
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-") + ".1.gz"
	return writeGzip(filepath.Join(dir, name), page.Bytes())
}

// documented reports whether c gets a man page of its own: not hidden, not
// help, not the shell completion generator (packages ship its output).
func documented(c *cobra.Command) bool {
	return c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() && c.Name() != "completion"
}

// writeCompletions writes the three shells' completion scripts.
func writeCompletions(root *cobra.Command, dir string) error {
	name := root.Name()
	var bash, zsh, fish bytes.Buffer
	if err := root.GenBashCompletionV2(&bash, true); err != nil {
		return fmt.Errorf("bash completion: %w", err)
	}
	if err := root.GenZshCompletion(&zsh); err != nil {
		return fmt.Errorf("zsh completion: %w", err)
	}
	if err := root.GenFishCompletion(&fish, true); err != nil {
		return fmt.Errorf("fish completion: %w", err)
	}
	for p, b := range map[string][]byte{
		filepath.Join(dir, "bash", name):         bash.Bytes(),
		filepath.Join(dir, "zsh", "_"+name):      zsh.Bytes(),
		filepath.Join(dir, "fish", name+".fish"): fish.Bytes(),
	} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// writeGzip writes b gzip-compressed at best compression with an empty
// header (no name, zero time), as `gzip -9n` does.
func writeGzip(path string, b []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(b); err != nil {
		return fmt.Errorf("compress %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
