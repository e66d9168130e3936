#!/usr/bin/env bash
# Runs the test command given (make test: swift test …) so that it can neither hang the CI nor fail unexplained:
# - its output goes to the terminal and to .build/test.log;
# - past ECL_TEST_MINUTES (default 40) it is stopped, after printing which tests had not ended, the processes
#   it left (ps) and its threads' stacks (gdb, when installed; in full in .build/test-output/suite-stacks.txt);
# - when it fails, the failures are printed again at the end (a CI log shows its tail), with what the tests'
#   own deadlines found (.build/test-output/hangs.txt, written by Tests/TestSupport/ChildProcess.swift).
set -uo pipefail
cd "$(dirname "$0")/.."
minutes="${ECL_TEST_MINUTES:-40}"
log=.build/test.log
output=.build/test-output
mkdir -p "$output"
rm -f "$output/hangs.txt" "$output/suite-stacks.txt"

# The suite in a session of its own, so that it and everything it started can be looked at and stopped
# (SwiftPM gives the test runner a process group of its own, and every child of a test has its own too).
exec 3> >(tee "$log")
tee=$!
setsid "$@" >&3 2>&3 &
suite=$!
trap 'pkill -TERM -s "$suite"; exit 130' INT TERM

unfinished() {
  python3 - "$log" <<'EOF'
import re, sys
started, ended = {}, set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    match = re.match(r"^\S+ Test (?!case )(.+?) (started|passed|failed)", line)
    if match:
        (started.__setitem__(match[1], line.strip()) if match[2] == "started" else ended.add(match[1]))
for name in started:
    if name not in ended:
        print("  " + name)
EOF
}

(
  sleep "$(awk "BEGIN { print $minutes * 60 }")"
  kill -0 "$suite" 2>/dev/null || exit 0
  echo
  echo "The suite did not end within $minutes minutes; stopping it. Tests that had not ended:"
  unfinished
  echo "Processes it left:"
  ps -o pid,ppid,stat,etime,args --forest -s "$suite" | cut -c1-200
  runner=$(pgrep -s "$suite" -f '\.xctest' | head -1)
  if [ -n "$runner" ] && command -v gdb > /dev/null; then
    timeout 120 gdb -p "$runner" -batch -nx -ex "thread apply all bt 24" > "$output/suite-stacks.txt" 2>&1
    echo "Test runner threads waiting in a test (all stacks: $output/suite-stacks.txt):"
    grep -E "^#.* in .*(Tests|TestSupport)\." "$output/suite-stacks.txt" | sed -E 's/^#[0-9]+ +0x[0-9a-f]+ in //' | cut -c1-160 | sort | uniq -c | head -20
  fi
  pkill -KILL -s "$suite"
) &
watchdog=$!

wait "$suite"
status=$?
sleeper=$(pgrep -P "$watchdog" sleep)
kill "$watchdog" 2>/dev/null
[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
wait "$watchdog" 2>/dev/null
exec 3>&-
wait "$tee"  # the log is whole before it is read again

if [ "$status" -ne 0 ]; then
  echo
  echo "The suite failed (exit $status). Its failures again:"
  grep -E "^✘ " "$log" | cut -c1-300 | tail -40
  if [ -s "$output/hangs.txt" ]; then
    echo "Children killed at their deadline (all: $output/hangs.txt):"
    head -60 "$output/hangs.txt"
  fi
fi
exit "$status"
