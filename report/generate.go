package report

//go:generate go run ./internal/schemagen/cmd
