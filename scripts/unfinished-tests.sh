#!/usr/bin/env bash
# unfinished-tests.sh LOG: the tests that a Swift Testing run's output (LOG) shows started but not
# ended, each with how many of its runs are open (a name can belong to tests of several suites).
# The cases of a parameterized test have no end lines of their own; the test's end counts.
set -euo pipefail
# Without the colours a terminal run may carry.
sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
    /◇ Test .* started\.$/ && !/◇ Test (case |run started)/ {
        name = $0; sub(/^.*◇ Test /, "", name); sub(/ started\.$/, "", name); open[name]++
    }
    /[✔✘] Test .* (passed|failed) after / && !/[✔✘] Test run with/ {
        name = $0; sub(/^.*[✔✘] Test /, "", name)
        sub(/ (with [0-9]+ test cases? )?(passed|failed) after .*$/, "", name); open[name]--
    }
    END { for (name in open) if (open[name] > 0) print "  " name (open[name] > 1 ? " (" open[name] " runs)" : "") }
' | sort
