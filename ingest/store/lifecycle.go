package store

import (
	"context"
	"time"
)

// LifecycleVersion is one imported lifecycle dataset (demarc-server
// lifecycle import). Every version is kept; the highest is current.
type LifecycleVersion struct {
	// Version numbers the imports: 1, 2, …
	Version int64 `json:"version"`
	// ImportedAt and ImportedBy say when and by whom (the operating-system
	// user of the import, or the name it was given).
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
	// DataDate is the dataset's snapshot date (YYYY-MM-DD).
	DataDate string `json:"data_date"`
	// SHA256 is the hex SHA-256 of the dataset's JSON: its ETag.
	SHA256 string `json:"sha256"`
	// Gzip is the dataset's JSON, gzip-compressed. LifecycleVersions
	// leaves it out.
	Gzip []byte `json:"-"`
}

// LifecycleStore keeps the imported lifecycle datasets, every version.
type LifecycleStore interface {
	// PutLifecycle stores an imported lifecycle dataset as a new version;
	// a version number already taken is ErrConflict.
	PutLifecycle(ctx context.Context, v LifecycleVersion) error
	// CurrentLifecycle returns the highest version with its body, or
	// ErrNotFound when none was imported (the embedded data is current).
	CurrentLifecycle(ctx context.Context) (LifecycleVersion, error)
	// LifecycleVersions lists every version, oldest first, without bodies.
	LifecycleVersions(ctx context.Context) ([]LifecycleVersion, error)
}
