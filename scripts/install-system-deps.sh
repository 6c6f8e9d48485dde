#!/usr/bin/env bash
# Installs the Debian packages that Seawall's integration tests drive.
# Runs as root (CI, a fresh machine); a developer without root gets a notice,
# and the integration tests that need a missing tool skip (never under CI=true).
set -euo pipefail

need=()
command -v skopeo >/dev/null || need+=(skopeo)
command -v podman >/dev/null || need+=(podman)
command -v buildah >/dev/null || need+=(buildah)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v openssl >/dev/null || need+=(openssl)
# Scanner tests: rpm databases (rpmbuild, rpm, db5.3_load), npm packages,
# ELF sections (objcopy).
command -v rpmbuild >/dev/null || need+=(rpm)
command -v db5.3_load >/dev/null || need+=(db5.3-util)
command -v npm >/dev/null || need+=(npm)
command -v objcopy >/dev/null || need+=(binutils)
# Reference version comparators for the scan.versions differential tests.
command -v rpm >/dev/null || need+=(rpm)
command -v ruby >/dev/null || need+=(ruby)
command -v php >/dev/null || need+=(php-cli)
[ -e /usr/share/php/Composer/Semver/autoload.php ] || need+=(php-composer-semver)
command -v java >/dev/null || need+=(default-jre-headless)
[ -e /usr/share/java/maven-artifact-3.x.jar ] || need+=(libmaven3-core-java)
[ -e /usr/share/java/commons-lang3.jar ] || need+=(libcommons-lang3-java)
command -v javac >/dev/null || need+=(default-jdk-headless)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v go >/dev/null || need+=(golang-go)
[ -e /usr/share/gocode/src/golang.org/x/mod/semver/semver.go ] || need+=(golang-golang-x-mod-dev)
# bench/: load generators (wrk 4.1 cannot do HEAD, so hey measures HEAD).
command -v wrk >/dev/null || need+=(wrk)
command -v hey >/dev/null || need+=(hey)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: not root; missing: ${need[*]} (their tests will skip)" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" uidmap fuse-overlayfs >/dev/null
