# Sourced by the download scripts in datasets/ and scripts/: check a name against the published
# list before touching the network, and download so that a failure never leaves a partial file.

# check_name KIND NAME VALID...: exit 1 with the list when NAME is missing or not in VALID.
check_name() {
  local kind=$1 name=$2
  shift 2
  if [[ -z $name ]]; then
    echo "usage: $0 NAME    (available ${kind}s: $*)" >&2
    exit 1
  fi
  local valid
  for valid in "$@"; do
    [[ $valid == "$name" ]] && return 0
  done
  echo "error: unknown $kind '$name'; available ${kind}s: $*" >&2
  exit 1
}

# fetch URL DEST: download into DEST.part with wget or curl, then move it into place.
fetch() {
  local url=$1 dest=$2
  mkdir -p "$(dirname "$dest")"
  if command -v wget >/dev/null 2>&1; then
    wget -O "$dest.part" "$url" || { rm -f "$dest.part"; echo "error: download failed: $url" >&2; exit 1; }
  elif command -v curl >/dev/null 2>&1; then
    curl -fL -o "$dest.part" "$url" || { rm -f "$dest.part"; echo "error: download failed: $url" >&2; exit 1; }
  else
    echo "error: neither wget nor curl is installed" >&2
    exit 1
  fi
  mv "$dest.part" "$dest"
}

# need TOOL: exit 1 naming TOOL when it is not installed.
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is not installed" >&2; exit 1; }
}
