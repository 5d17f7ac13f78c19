# Installs the Debian packages Folio's scripts need, only when they are missing.
# Source this file; it changes nothing until a function is called.

# apt_install PACKAGE…: installs the packages (as root, or through sudo), updating the index once.
apt_install() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing $* with apt-get" >&2
    if [ -z "${FOLIO_APT_UPDATED:-}" ]; then
        $sudo apt-get update -qq
        FOLIO_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# The libraries the build links against: libqrencode encodes the payment QR codes.
ensure_build_packages() {
    local missing=()
    dpkg -s libqrencode-dev >/dev/null 2>&1 || missing+=(libqrencode-dev)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}
