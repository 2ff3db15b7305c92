#!/usr/bin/env bash
# Runs runc behind burrow's command line, to check the integration tests themselves against a
# reference runtime:  mvn -pl it-tests test -Dburrow.executable=$PWD/it-tests/src/test/scripts/runc-as-burrow.sh
# Only for that: it maps the few flags that differ and turns runc's errors into "burrow: " lines.
set -uo pipefail
RUNC=${RUNC:-runc}
args=()
log=
while [ $# -gt 0 ]; do
  case "$1" in
    --version) echo "burrow (runc wrapper for the integration tests)"; "$RUNC" --version; exit 0 ;;
    --file-access)
      if [ "$2" != direct ]; then echo "burrow: unknown file access '$2'; known: direct" >&2; exit 1; fi
      shift 2 ;;
    --file-access=*) v=${1#*=}; [ "$v" = direct ] || { echo "burrow: unknown file access '$v'; known: direct" >&2; exit 1; }; shift ;;
    --overlay) shift ;;
    --log) log=$2; args+=("$1" "$2"); shift 2 ;;
    --root|--log-format) args+=("$1" "$2"); shift 2 ;;
    --debug) args+=("$1"); shift ;;
    *) break ;;
  esac
done
[ -n "$log" ] || { log=$(mktemp /tmp/runc-as-burrow.XXXXXX); args+=(--log "$log" --log-format json); own=1; }
cmd=${1:-}
if [ "$cmd" = create ] || [ "$cmd" = run ]; then
  "$RUNC" "${args[@]}" "$@"
  rc=$?
  if [ $rc -ne 0 ] && [ "$cmd" = create ]; then
    msg=$(grep -oE '"msg":"([^"\\]|\\.)*"' "$log" | tail -1 | sed 's/^"msg":"//; s/"$//; s/\\"/"/g')
    echo "burrow: ${msg:-runc create failed} (args: $*)" >&2
  fi
else
  err=$(mktemp /tmp/runc-as-burrow.XXXXXX)
  "$RUNC" "${args[@]}" "$@" 2>"$err"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "burrow: $(tr '\n' ' ' < "$err") (args: $*)" >&2
  else
    cat "$err" >&2
  fi
  rm -f "$err"
fi
[ -n "${own:-}" ] && rm -f "$log"
exit $rc
