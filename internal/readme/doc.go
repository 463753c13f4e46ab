// Package readme holds no code: its test compiles every Go snippet of the
// project's README.md, so that a snippet cannot drift from the API.
package readme
