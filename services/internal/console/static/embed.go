// Package static holds the console's style sheet and scripts, embedded in
// docketd: the console loads nothing from anywhere else.
package static

import "embed"

// FS holds every file of this directory that the console serves.
//
//go:embed *.css *.js
var FS embed.FS
