#!/usr/bin/env bash
# A Python virtual environment in which Letta's official Python SDK (letta-client 1.12.1, vendored
# unmodified in ../vendor/letta-python, Apache-2.0) imports, built offline from the wheels this
# machine's pip configuration points at (or, failing that, Debian packages). Idempotent.
#
#   eval "$(bash .ci/python-sdk-venv.sh)"   # then: "$LETTA_PY_PYTHON" my_test.py
#
# (A copy of ../shared/tools/python-sdk-venv.sh; only the default LETTA_PY_SRC differs. .ci/run
# and test/support/python-sdk.ts call it with LETTA_PY_VENV=.letta-test-python-sdk.)
#
# Inputs (environment): LETTA_PY_VENV (default $TMPDIR/letta-python-sdk-venv), LETTA_PY_SRC,
# LETTA_PY_BASE_PYTHON (default python3, >= 3.9), LETTA_PY_WHEELS, LETTA_PY_MODE (auto|wheels|debian).
# Output: log lines on stderr; on stdout KEY=VALUE lines to eval: LETTA_PY_PYTHON (the venv's
# python; finds letta_client by itself), LETTA_PY_PYTHONPATH, LETTA_PY_SDK_VERSION.
set -euo pipefail

# letta-ts: the SDK is test data beside the project (../shared/vendor/letta-python), never copied in.
# A clone elsewhere (CI's fresh clone) finds it in the workplace's shared folder instead.
if [ -z "${LETTA_PY_SRC:-}" ]; then
  for candidate in "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/vendor/letta-python" \
    /work/shared/vendor/letta-python; do
    if [ -f "$candidate/pyproject.toml" ]; then LETTA_PY_SRC=$candidate; break; fi
  done
fi
SRC=${LETTA_PY_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/vendor/letta-python}
VENV=${LETTA_PY_VENV:-${TMPDIR:-/tmp}/letta-python-sdk-venv}
BASE_PY=${LETTA_PY_BASE_PYTHON:-python3}
WHEELS=${LETTA_PY_WHEELS:-}
if [ -z "$WHEELS" ]; then
  idx=$(pip config list 2>/dev/null | sed -n "s/^global.extra-index-url='file:\/\/\([^ ']*\).*/\1/p" | head -1)
  [ -n "$idx" ] && WHEELS=$(dirname "$idx")/files
fi
MODE=${LETTA_PY_MODE:-auto}

log() { echo "[setup_python_sdk] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- 0. the SDK tree, and keep everything outside this repo -------------------------------
[ -f "$SRC/pyproject.toml" ] && [ -f "$SRC/src/letta_client/__init__.py" ] \
  || die "no SDK source at LETTA_PY_SRC=$SRC (want pyproject.toml and src/letta_client/)"
SRC=$(cd "$SRC" && pwd -P)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
VENV=$(realpath -m "$VENV")

command -v "$BASE_PY" >/dev/null || die "no interpreter '$BASE_PY'"
"$BASE_PY" -c 'import sys; sys.exit(sys.version_info < (3, 9))' || die "$BASE_PY is older than 3.9"

# --- 1. version and runtime dependencies from the SDK's pyproject.toml ---------------------
mapfile -t META < <("$BASE_PY" - "$SRC/pyproject.toml" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
try:
    import tomllib
    proj = tomllib.loads(text)["project"]
    version, deps = proj["version"], proj["dependencies"]
except ImportError:  # python < 3.11
    version = re.search(r'(?m)^version\s*=\s*"([^"]+)"', text).group(1)
    block = re.search(r'(?ms)^dependencies\s*=\s*\[(.*?)\]', text).group(1)
    deps = re.findall(r'"([^"]+)"', block)
print(version)
for d in deps:
    print(d.replace(" ", ""))
EOF
)
SDK_VERSION=${META[0]}
DEPS=("${META[@]:1}")
log "letta-client $SDK_VERSION at $SRC; runtime deps: ${DEPS[*]}"

if [ "$MODE" = auto ]; then
  if compgen -G "$WHEELS/httpx-*.whl" >/dev/null; then MODE=wheels; else MODE=debian; fi
fi
log "mode: $MODE; venv: $VENV; base interpreter: $(command -v "$BASE_PY") ($("$BASE_PY" -V 2>&1))"

# --- 2. the venv and its packages -----------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  if [ "$MODE" = debian ]; then
    "$BASE_PY" -m venv --system-site-packages "$VENV"
  else
    "$BASE_PY" -m venv "$VENV"
  fi
  log "created venv $VENV"
fi
SP=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

case "$MODE" in
  wheels)
    compgen -G "$WHEELS/*.whl" >/dev/null || die "no wheels in $WHEELS"
    # --no-index: never ask a package index; the wheels on disk are the only source.
    "$VENV/bin/python" -m pip install --no-index --find-links "$WHEELS" \
      --disable-pip-version-check --quiet "${DEPS[@]}" \
      || die "pip could not satisfy ${DEPS[*]} from $WHEELS"
    ;;
  debian)
    # the base interpreter's site-packages must be visible (pydantic, typing_extensions)
    sed -i 's/^include-system-site-packages = false/include-system-site-packages = true/' "$VENV/pyvenv.cfg"
    "$VENV/bin/python" - <<'EOF' || die "the base interpreter lacks pydantic>=1.9 or typing_extensions>=4.14 (Debian bookworm's python3-typing-extensions 4.4 is too old for this SDK); use LETTA_PY_MODE=wheels or a base python that has them"
import importlib.metadata as md, re, sys
def v(name):
    return tuple(int(x) for x in re.findall(r"\d+", md.version(name))[:3])
sys.exit(0 if v("pydantic") >= (1, 9) and v("typing_extensions") >= (4, 14) else 1)
EOF
    DEB=$VENV/debian
    PKGS="python3-httpx python3-httpcore python3-h11 python3-anyio python3-rfc3986 python3-distro python3-sniffio python3-idna python3-certifi"
    if [ ! -d "$DEB/root/usr/lib/python3/dist-packages/httpx" ]; then
      command -v apt-get >/dev/null || die "no apt-get"
      policy=$(apt-cache policy python3-httpx 2>/dev/null || true)
      if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
        log "apt-get update"; apt-get update -qq >&2
      fi
      rm -rf "$DEB" && mkdir -p "$DEB/debs" "$DEB/root"
      # shellcheck disable=SC2086
      (cd "$DEB/debs" && apt-get download -q $PKGS >&2) || die "apt-get download $PKGS failed"
      for f in "$DEB"/debs/*.deb; do dpkg -x "$f" "$DEB/root"; done
    fi
    DP=$DEB/root/usr/lib/python3/dist-packages
    # link only what the SDK needs; keep the base interpreter's own copies where it has them
    for mod in httpx httpcore h11 anyio rfc3986 distro sniffio idna certifi; do
      case $mod in
        sniffio|idna|certifi) "$BASE_PY" -c "import $mod" 2>/dev/null && continue ;;
      esac
      for item in "$DP/$mod" "$DP/$mod"-*.egg-info "$DP/$mod"-*.dist-info; do
        [ -e "$item" ] && ln -sfn "$item" "$SP/$(basename "$item")"
      done
    done
    ;;
  *) die "unknown LETTA_PY_MODE=$MODE (auto|wheels|debian)" ;;
esac

# the venv's python finds the SDK by itself; the SDK stays where it is (nothing is copied)
echo "$SRC/src" > "$SP/letta_client_src.pth"

# --- 3. check ---------------------------------------------------------------------------------
"$VENV/bin/python" - >&2 <<'EOF' || die "letta_client does not import/instantiate in $VENV"
import importlib.metadata as md
import letta_client
from letta_client import Letta
c = Letta(base_url="http://127.0.0.1:9", api_key="x", max_retries=0)
for attr in ("agents.create", "agents.messages.create", "agents.blocks.retrieve", "agents.passages.search",
             "tools.list", "health"):
    obj = c
    for part in attr.split("."):
        obj = getattr(obj, part)
def ver(name):
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "?"
print("[setup_python_sdk] ok: letta_client %s from %s; %s" % (
    letta_client.__version__, letta_client.__file__,
    ", ".join("%s %s" % (n, ver(n)) for n in ("httpx", "httpcore", "h11", "anyio", "pydantic",
                                               "typing_extensions", "distro", "sniffio"))))
EOF

echo "LETTA_PY_PYTHON=$VENV/bin/python"
echo "LETTA_PY_PYTHONPATH=$SRC/src"
echo "LETTA_PY_SDK_VERSION=$SDK_VERSION"
