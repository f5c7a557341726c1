package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/demarc/demarc/ingest"
	"github.com/demarc/demarc/ingest/store"
	"github.com/demarc/demarc/rules/lifecycle"
)

func newLifecycleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "lifecycle", Short: "Import newer lifecycle data (endoflife.date files) and list the imported versions"}
	cmd.AddCommand(newLifecycleImportCmd(g), newLifecycleListCmd(g))
	return cmd
}

func newLifecycleImportCmd(g *globals) *cobra.Command {
	var dryRun bool
	var by, dataDate string
	c := &cobra.Command{
		Use:   "import FILE|DIR... [--dry-run]",
		Short: "Update the lifecycle data the server and its agents judge with",
		Long: "Read endoflife.date API v1 product files (the answers of https://endoflife.date/api/v1/products/<product>)\n" +
			"and release-data files (<product>.json, {\"versions\": …}); a folder is read for its *.json files. Every file is\n" +
			"checked first: a bad one changes nothing, and the error names the file, product, cycle and field. The current\n" +
			"data (the last import, else the data built into the server) updated with the files is stored as a new version,\n" +
			"served at GET /api/v1/lifecycle to agents, which use it for their next scans. --dry-run prints what would change.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := readLifecycleFiles(args)
			if err != nil {
				return err
			}
			var opts lifecycle.ImportOptions
			if dataDate != "" {
				if opts.DataDate, err = lifecycle.ParseDate(dataDate); err != nil || opts.DataDate.MonthOnly() {
					return fmt.Errorf("--data-date: want YYYY-MM-DD, got %q", dataDate)
				}
			}
			return g.withStore(cmd.Context(), func(st store.Store) error {
				base, last, err := currentData(cmd, st)
				if err != nil {
					return err
				}
				d, err := lifecycle.Import(base, files, opts)
				if err != nil {
					return fmt.Errorf("nothing imported: %w", err)
				}
				changes := lifecycle.Diff(base, d)
				for _, ch := range changes {
					fmt.Fprintln(g.stdout, ch)
				}
				if len(changes) == 0 {
					fmt.Fprintln(g.stdout, "no change to the current lifecycle data")
				}
				if dryRun || len(changes) == 0 {
					return nil
				}
				if by == "" {
					by = operator()
				}
				v, err := ingest.NewLifecycleVersion(d, last+1, by, time.Now())
				if err != nil {
					return err
				}
				if err := st.PutLifecycle(cmd.Context(), v); err != nil {
					return fmt.Errorf("store lifecycle version %d: %w", v.Version, err)
				}
				_, err = fmt.Fprintf(g.stdout, "stored lifecycle version %d (data as of %s, sha256 %s)\n", v.Version, v.DataDate, v.SHA256)
				return err
			})
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change and store nothing")
	c.Flags().StringVar(&by, "by", "", "who imports, for the record (default: the operating-system user)")
	c.Flags().StringVar(&dataDate, "data-date", "", "the data's date, YYYY-MM-DD (default: the newest file's)")
	return c
}

// currentData is the data an import updates: the newest stored version,
// else the embedded data; and the newest version number (0: none).
func currentData(cmd *cobra.Command, st store.LifecycleStore) (*lifecycle.Dataset, int64, error) {
	cur, err := st.CurrentLifecycle(cmd.Context())
	if errors.Is(err, store.ErrNotFound) {
		d, err := lifecycle.Default()
		return d, 0, err
	}
	if err != nil {
		return nil, 0, err
	}
	b, err := gunzip(cur.Gzip)
	if err != nil {
		return nil, 0, fmt.Errorf("lifecycle version %d: %w", cur.Version, err)
	}
	d, err := lifecycle.Parse(b)
	if err != nil {
		return nil, 0, fmt.Errorf("lifecycle version %d: %w", cur.Version, err)
	}
	return d, cur.Version, nil
}

// readLifecycleFiles reads the named files and the *.json files of the
// named folders, in name order.
func readLifecycleFiles(args []string) ([]lifecycle.ImportFile, error) {
	var paths []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			paths = append(paths, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no *.json files", a)
		}
		sort.Strings(m)
		paths = append(paths, m...)
	}
	var out []lifecycle.ImportFile
	for _, p := range paths {
		b, err := readCapped(p, lifecycle.MaxDatasetBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, lifecycle.ImportFile{Name: p, Data: b})
	}
	return out, nil
}

func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", path, limit)
	}
	return os.ReadFile(path)
}

// operator is the user running the command, for the record.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func newLifecycleListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the imported lifecycle data versions (the last is current)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd.Context(), func(st store.Store) error {
				vs, err := st.LifecycleVersions(cmd.Context())
				if err != nil {
					return err
				}
				if len(vs) == 0 {
					d, err := lifecycle.Default()
					if err != nil {
						return err
					}
					_, err = fmt.Fprintf(g.stdout, "no lifecycle data imported: the built-in data (as of %s) is current\n", d.SnapshotDate)
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 2, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "VERSION\tDATA DATE\tIMPORTED\tBY\tSHA256\t")
				for i, v := range vs {
					cur := ""
					if i == len(vs)-1 {
						cur = "current"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.Version, v.DataDate, v.ImportedAt.Format(time.RFC3339),
						strings.ReplaceAll(v.ImportedBy, "\t", " "), v.SHA256[:min(12, len(v.SHA256))], cur)
				}
				return tw.Flush()
			})
		},
	}
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, lifecycle.MaxDatasetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > lifecycle.MaxDatasetBytes {
		return nil, fmt.Errorf("over %d bytes", lifecycle.MaxDatasetBytes)
	}
	return out, nil
}
