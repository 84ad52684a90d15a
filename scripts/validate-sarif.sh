#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF Multitool (`validate`): the
# SARIF 2.1.0 JSON schema plus the SARIF SDK's own rules (SARIF1xxx/2xxx).
# Fails when any file has an error-level result; warnings are printed.
#
# Installs nothing. Provide the tool with, e.g.:
#   npm install --prefix "$DIR" @microsoft/sarif-multitool   # then SARIF_TOOL_DIR=$DIR
# or install it in the repository (node_modules/ is not committed). The
# package is a .NET self-contained binary; it needs libicu (Debian: libicu72
# or newer) or DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1.
#
# The tool is found, in order, as: $SARIF_MULTITOOL (the binary itself);
# the platform binary under $SARIF_TOOL_DIR/node_modules or ./node_modules;
# `npx --no-install @microsoft/sarif-multitool`.
#
# Known gap: the Multitool exits 0 even on errors (this script reads its
# output log instead), and it reports nothing at all for a file that does not
# deserialise (e.g. a wrong enum value or type). The Rust test
# `sarif_matches_the_official_schema_when_available` covers that case: run it
# with SARIF_SCHEMA pointing at the schema shipped in the same npm package,
# node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json.
#
# Usage: scripts/validate-sarif.sh FILE.sarif...
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 FILE.sarif..." >&2
    exit 2
fi
if ! command -v node >/dev/null 2>&1; then
    echo "validate-sarif: node is required (it reads the Multitool's log)" >&2
    exit 2
fi

find_tool() {
    if [[ -n "${SARIF_MULTITOOL:-}" ]]; then
        echo "$SARIF_MULTITOOL"
        return
    fi
    local platform
    case "$(uname -s)" in
        Linux) platform=linux ;;
        Darwin) platform=darwin ;;
        *) platform=win32 ;;
    esac
    local dir
    for dir in "${SARIF_TOOL_DIR:-}" "$PWD" "$(dirname "$0")/.."; do
        [[ -n "$dir" ]] || continue
        local bin="$dir/node_modules/@microsoft/sarif-multitool-$platform/Sarif.Multitool"
        if [[ -x "$bin" ]]; then
            echo "$bin"
            return
        fi
    done
    # npx's wrapper re-parses arguments through a shell; ours are plain paths.
    if command -v npx >/dev/null 2>&1 &&
        npx --no-install @microsoft/sarif-multitool --version >/dev/null 2>&1; then
        echo "npx --no-install @microsoft/sarif-multitool"
        return
    fi
    echo "validate-sarif: SARIF Multitool not found; run" \
        "'npm install @microsoft/sarif-multitool' and set SARIF_TOOL_DIR" >&2
    exit 2
}

tool=$(find_tool)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

status=0
for file in "$@"; do
    if [[ ! -f "$file" ]]; then
        echo "validate-sarif: $file: no such file" >&2
        status=1
        continue
    fi
    log="$work/validation.sarif"
    rm -f "$log"
    # shellcheck disable=SC2086 # $tool may be the npx command line.
    if ! $tool validate "$file" --output "$log" --log ForceOverwrite >"$work/stdout" 2>&1; then
        cat "$work/stdout" >&2
        echo "validate-sarif: $file: the Multitool failed to run" >&2
        status=1
        continue
    fi
    # The Multitool's own output is SARIF: count its results by level (a
    # result without a level is a warning, as SARIF defines).
    if ! counts=$(node -e '
        const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const c = { error: 0, warning: 0, note: 0, none: 0 };
        for (const run of log.runs || []) {
            for (const r of run.results || []) c[r.level || "warning"]++;
            for (const inv of run.invocations || []) {
                for (const n of inv.toolExecutionNotifications || [])
                    if ((n.level || "warning") === "error") c.error++;
            }
        }
        console.log(`${c.error} ${c.warning}`);
    ' "$log"); then
        echo "validate-sarif: $file: cannot read the Multitool's log" >&2
        status=1
        continue
    fi
    read -r errors warnings <<<"$counts"
    grep -E ': (error|warning) [A-Z]+[0-9]+:' "$work/stdout" || true
    if [[ "$errors" -gt 0 ]]; then
        echo "FAIL $file: $errors error(s), $warnings warning(s)"
        status=1
    else
        echo "ok   $file: 0 errors, $warnings warning(s)"
    fi
done
exit "$status"
