#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs "$@" (tst_secretstores) against a real Secret Service of its own: a private D-Bus session bus
# (dbus-run-session) with gnome-keyring-daemon's secrets component, whose login keyring is created and unlocked in
# a temporary folder. The user's own session bus and keyring are never touched.
# Without dbus-run-session or gnome-keyring-daemon the test runs with no session bus and skips the keyring round
# trip; under CI=true that is a failure here (packaging/bootstrap.sh installs dbus, gnome-keyring and libsecret).
set -eu
case "${CI:-}" in "" | 0 | false) ci= ;; *) ci=1 ;; esac

missing=
for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    if [ -n "$ci" ]; then
        echo "with-secret-service.sh: CI needs a real Secret Service, but$missing is not installed" >&2
        echo "  (packaging/bootstrap.sh installs dbus, gnome-keyring and libsecret-1-0)" >&2
        exit 1
    fi
    echo "with-secret-service.sh: no$missing: running without a Secret Service" >&2
    unset DBUS_SESSION_BUS_ADDRESS
    exec "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/assay-keyring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -m 700 "$tmp/run" "$tmp/data" "$tmp/config"
# The keyring files and the daemon's sockets live in $tmp; the test's own files go to XDG_CONFIG_HOME it sets.
export XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export ASSAY_TEST_SECRET_SERVICE=1 # tells the test a Secret Service must answer
unset DISPLAY WAYLAND_DISPLAY
status=0
# --unlock with the password on stdin creates the login keyring (the default collection) and unlocks it, so no
# prompt is ever needed. The daemon leaves with the bus when the test ends.
dbus-run-session -- sh -c '
    printf %s assay-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null || {
        echo "with-secret-service.sh: gnome-keyring-daemon did not start" >&2
        exit 1
    }
    exec "$@"' sh "$@" || status=$?
exit $status
