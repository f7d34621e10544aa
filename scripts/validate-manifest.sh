#!/usr/bin/env bash
# Validates the add-in manifest against Microsoft's XSD schemas, offline: `office-addin-manifest validate`
# needs an online service that these machines cannot reach.
#   scripts/validate-manifest.sh [manifest.xml]
# The schemas live outside this repository (../shared); where they are absent the check is skipped with exit code 0.
# Installs xmllint (libxml2-utils) from Debian when it is missing and we are root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCHEMA="$ROOT/../shared/schemas/office-addin-manifest/OfficeAppManifestV1_1.xsd"
MANIFEST=${1:-$ROOT/manifest.xml}

if [ ! -f "$SCHEMA" ]; then
  echo "Manifest-Prüfung übersprungen: Die XSD-Schemas fehlen (erwartet: $SCHEMA)." >&2
  exit 0
fi

if ! command -v xmllint >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "== Installing xmllint (libxml2-utils) from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
  else
    echo "xmllint fehlt: bitte 'apt-get install libxml2-utils' ausführen." >&2
    exit 1
  fi
fi

xmllint --noout --nonet --schema "$SCHEMA" "$MANIFEST"
