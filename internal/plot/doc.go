// Package plot draws simple PNG figures of experiment results.
//
// It is deliberately small and depends only on the standard library and on
// golang.org/x/image for its one bitmap font (basicfont.Face7x13). It is not
// a general plotting library: it draws 2-D line and scatter plots with linear
// or log10 axes ([Figure]), puts several figures side by side ([Grid]), and
// writes rows of grayscale images such as samples or filters ([SaveGrayRow]).
//
// A figure has a white background, a black frame around the plot area, tick
// marks at "nice" values (steps of 1, 2 or 5 × 10^k on linear axes, powers of
// ten or 1-2-5 mantissas on log axes) with light grey grid lines, a title
// centred above the plot area, the x label centred below it and the y label
// rotated by 90° (reading bottom to top) to the left of it. Series that have
// a name are listed in a legend box in a corner of the plot area (Figure.Legend:
// the top-right one by default, or BestCorner, where it hides the least data).
//
// Series i is drawn in colour i mod 8 of a fixed colour-blind-safe palette
// (Okabe–Ito, reordered so the most visible colours come first): blue,
// vermillion, bluish green, reddish purple, orange, sky blue, black, yellow.
// Lines are 2 pixels thick, not anti-aliased, and clipped to the plot area.
//
// Points that are not finite, or not positive on a log axis, are skipped and
// the line is broken there. Invalid input gives an error, never a panic, and
// rendering is deterministic: the same Figure gives the same pixels, and the
// same PNG bytes, every time.
//
// Every file is written with [WriteFileAtomic], so a reader never sees a half
// written PNG and a failed write leaves the previous file untouched.
package plot
