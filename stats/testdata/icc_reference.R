# Reference values for stats.ICC: psych::ICC's ICC1 and ICC1k rows on a few
# matrices, printed as JSON with every number at full precision (%.17g, which
# reads back to the same double). The matrices are generated here and written
# into the JSON too, so the Go test rates exactly the numbers R rated.
#
#   Rscript stats/testdata/icc_reference.R > stats/testdata/icc_reference.json
#
# lmer = FALSE: the one-way ANOVA mean squares. (psych's default, lmer = TRUE,
# estimates them by REML through lme4, which is not installed here and agrees
# with the ANOVA only up to its optimizer's precision.)
suppressPackageStartupMessages(library(psych))

num <- function(x) {
  if (is.na(x)) return("null")
  sprintf("%.17g", x)
}
vec <- function(v) paste0("[", paste(vapply(v, num, ""), collapse = ", "), "]")

cases <- list()

# Shrout and Fleiss (1979), table 2: 6 subjects (targets), 4 judges.
cases$shrout_fleiss <- matrix(c(
  9, 2, 5, 8,
  6, 1, 3, 2,
  8, 4, 6, 8,
  7, 1, 2, 6,
  10, 5, 6, 9,
  6, 2, 4, 7), ncol = 4, byrow = TRUE)

# A random 50 x 3 with a moderate subject effect.
set.seed(20200713)
cases$random_50x3 <- outer(rnorm(50), rep(1, 3)) + matrix(rnorm(150, sd = 0.8), 50, 3)

# A random 200 x 5 shaped like the classification study: probabilities of the
# true class in (0, 1) from 5 runs.
cases$probabilities_200x5 <- plogis(outer(rnorm(200, sd = 2), rep(1, 5)) + matrix(rnorm(1000), 200, 5))

# Near-zero between-subject variance: every row a permutation of the same
# four values, jittered by 1e-3, so MSB is about 1e-6 of MSW and ICC1 sits
# near its floor -1/(k-1).
base <- c(0.1, 0.7, 0.3, 0.9)
cases$near_zero_between <- t(sapply(1:30, function(i) sample(base))) + matrix(rnorm(120, sd = 1e-3), 30, 4)

# No subject effect at all (pure noise), and the smallest matrix allowed.
cases$noise_40x4 <- matrix(rnorm(160), 40, 4)
cases$two_by_two <- matrix(c(1, 2, 4, 3), 2, 2, byrow = TRUE)

out <- character()
for (name in names(cases)) {
  x <- cases[[name]]
  r <- ICC(x, lmer = FALSE)
  res <- r$results
  i1 <- which(res$type == "ICC1")
  ik <- which(res$type == "ICC1k")
  rows <- vapply(seq_len(nrow(x)), function(i) vec(x[i, ]), "")
  out <- c(out, paste0(
    "  {\n",
    "    \"name\": \"", name, "\",\n",
    "    \"ratings\": [\n      ", paste(rows, collapse = ",\n      "), "\n    ],\n",
    "    \"icc1\": ", num(res$ICC[i1]), ",\n",
    "    \"icc1k\": ", num(res$ICC[ik]), ",\n",
    "    \"icc1_lower\": ", num(res[i1, "lower bound"]), ",\n",
    "    \"icc1_upper\": ", num(res[i1, "upper bound"]), ",\n",
    "    \"icc1k_lower\": ", num(res[ik, "lower bound"]), ",\n",
    "    \"icc1k_upper\": ", num(res[ik, "upper bound"]), ",\n",
    "    \"f\": ", num(res$F[i1]), ",\n",
    "    \"df1\": ", num(res$df1[i1]), ",\n",
    "    \"df2\": ", num(res$df2[i1]), ",\n",
    "    \"p\": ", num(res$p[i1]), ",\n",
    "    \"msb\": ", num(r$stats["MS", "subjects"]), ",\n",
    "    \"msw\": ", num(r$MSW), "\n",
    "  }"))
}
cat("{\n\"generator\": \"stats/testdata/icc_reference.R\",\n")
cat("\"psych\": \"", as.character(packageVersion("psych")), "\",\n", sep = "")
cat("\"r\": \"", R.version$major, ".", R.version$minor, "\",\n", sep = "")
cat("\"cases\": [\n", paste(out, collapse = ",\n"), "\n]\n}\n", sep = "")
