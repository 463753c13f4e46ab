// Package stats holds the statistics the experiments report that Go's
// libraries do not: the intraclass correlations of the paper's
// test-retest reliability table (Table 3), computed as R's psych::ICC
// computes ICC1 and ICC1k.
package stats
