#!/usr/bin/env bash
# The demo: installs what is needed, builds Entrepôt, creates the example fulfilment centre
# (examples/fc-lyon) on the embedded SQLite store in ./demo-data, ingests the example
# morning's scans and prints the resulting stock. Idempotent: each run starts the demo site
# afresh. ENTREPOT_DEMO_DATA chooses another directory.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target entrepot

entrepot=build/release/src/entrepot/cli/entrepot
data=${ENTREPOT_DEMO_DATA:-demo-data}
rm -rf "$data"

echo
"$entrepot" init --data "$data" --layout examples/fc-lyon/layout.toml
"$entrepot" ingest --data "$data" examples/fc-lyon/scans.ndjson --outcomes "$data/outcomes.ndjson"
echo
"$entrepot" stock --data "$data"
echo
echo "One bin, one product, one parcel pallet as examples:"
"$entrepot" stock --data "$data" --location A-01-001-1-1
"$entrepot" stock --data "$data" --product "$(sed -n 's/.*"code": "(01)\([0-9]*\)".*/\1/p' examples/fc-lyon/scans.ndjson | head -1)"
echo
"$entrepot" verify --data "$data"
echo
echo "What a scan means: $entrepot barcode ']d2010950600013435217271231103A7<GS>21X9'"
"$entrepot" barcode ']d2010950600013435217271231103A7\x1d21X9'
echo
echo "Per-scan outcomes: $data/outcomes.ndjson. Try: $entrepot stock --data $data --help"
echo "Serve the site over HTTP on loopback: $entrepot serve --data $data (docs/API.md)"
