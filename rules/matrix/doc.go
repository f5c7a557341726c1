// Package matrix is the shared responsibility matrix: for each layer of a
// hosted server (operating system, control panel, applications,
// virtualisation, physical host...) and each service tier (managed, iaas,
// colocation), whether the provider or the customer owns it, with the
// model's own words to cite.
//
// The built-in matrix (default.yaml) is the provider model demarc starts
// from; a provider loads its own with Load. Files are strict: an unknown
// key, layer or tier, a missing layer or cell, a bad cell value or a
// duplicate key is an *Error naming the key and line, wrapping one of the
// sentinel errors so callers can tell them apart with errors.Is.
package matrix
