#!/usr/bin/env python3
"""Writes examples/fc-lyon/scans.ndjson: a morning at the example centre as scan records.

Deterministic (fixed seed). Eighteen handhelds receive pallets at the docks, stow the units
into the rack zones, pick them into totes, pack parcels and load them at the doors, then a
counter checks a few bins. About two scans in a hundred are the mistakes real floors make
(a label that is not in the layout, a mistyped check digit, an item that is not in the
tote, stows scanned too fast), so the example exercises the error paths too. The simulator
(entrepot simulate) will replace this script; until then it is the demo's data.

Usage: tools/make_example_scans.py [LAYOUT.toml] [OUT.ndjson]
"""

import json
import random
import sys
import tomllib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GS = "\x1d"
START_MS = 1_795_852_800_000  # 2026-11-28T06:00:00Z, the start of the morning shift.


def label(kind, code):
    """An internal label with its ISO/IEC 7064 MOD 37,36 check character (docs/LABELS.md)."""
    product = 36
    for char in (kind + code).replace("-", ""):
        total = (product + ALPHABET.index(char)) % 36 or 36
        product = (total * 2) % 37
    return f"{kind}.{code}.{ALPHABET[(37 - product) % 36]}"


def mod10(digits):
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def sscc(serial):
    body = f"09506000{serial:09d}"
    return "(00)" + body + mod10(body)


class Floor:
    """Tracks what the script has put where, so most scans it writes are right."""

    def __init__(self, layout, rng):
        self.rng = rng
        self.products = [p["gtin"].rjust(14, "0") for p in layout["products"]]
        self.bins = {}
        self.capacity = {}
        for rack in layout["location_ranges"]:
            if rack["type"] != "stow_bin":
                continue
            aisles, bays = rack["aisles"], rack["bays"]
            levels = rack.get("levels", [1, 1])
            for aisle in range(aisles[0], aisles[0] + 3):
                for bay in range(bays[0], bays[0] + 8):
                    code = f"{rack['zone']}-{aisle:02d}-{bay:03d}-{levels[0]}-1"
                    self.bins[code] = []
                    self.capacity[code] = rack.get("capacity", 0) or 10**9
        self.bin_codes = sorted(self.bins)
        self.records = []
        self.clock = START_MS
        self.next_parcel = 1

    def scan(self, device, mode, code, gap_ms):
        self.clock += gap_ms
        self.records.append({"id": f"{device}-{len(self.records):06d}", "device": device,
                             "mode": mode, "code": code,
                             "at": self.clock})

    def item_code(self, gtin, unit):
        """Mostly plain GS1-128 GTINs; some DataMatrix units with lot and expiry."""
        lot = f"L{unit % 97:03d}"
        expiry = f"{27 + unit % 2}{1 + unit % 12:02d}00"
        if unit % 10 == 0:
            return f"]d201{gtin}10{lot}{GS}17{expiry}"  # GS ends the variable-length lot.
        if unit % 5 == 0:
            return f"]d201{gtin}17{expiry}10{lot}"
        return f"(01){gtin}"

    def receive(self, device, dock, pallet, units):
        self.scan(device, "receive", label("L", dock), 4000)
        self.scan(device, "receive", sscc(pallet), 6000)
        received = []
        for unit in range(units):
            # Lot-managed products (every fifth unit here) always carry their lot and expiry,
            # as on a real floor; a plain GTIN scan of them would take the first to expire.
            lot_managed = unit % 5 == 0
            gtin = self.rng.choice(self.products[200:400] if lot_managed else self.products[:200])
            code = self.item_code(gtin, unit)
            self.scan(device, "receive", code, self.rng.randint(2000, 5000))
            received.append(code)
        return received

    def stow(self, device, pallet, codes):
        self.scan(device, "stow", sscc(pallet), 8000)
        for code in codes:
            fast = self.rng.random() < 0.03  # Stows less than 1.25 s apart: a re-verify.
            self.scan(device, "stow", code, 300 if fast else self.rng.randint(3000, 9000))
            if self.rng.random() < 0.02:
                self.scan(device, "stow", label("L", "A-99-999-9-9"), 2000)
            bin_code = self.rng.choice(
                [b for b in self.bin_codes if len(self.bins[b]) < self.capacity[b]])
            self.scan(device, "stow", label("L", bin_code), 400 if fast else 2500)
            self.bins[bin_code].append(code)

    def pick(self, device, tote, lines):
        self.scan(device, "pick", label("C", tote), 5000)
        picked = []
        stocked = [b for b in self.bin_codes if self.bins[b]]
        for bin_code in self.rng.sample(stocked, min(lines, len(stocked))):
            code = self.bins[bin_code].pop()
            self.scan(device, "pick", label("L", bin_code), self.rng.randint(8000, 20000))
            self.scan(device, "pick", code, self.rng.randint(1500, 4000))
            picked.append(code)
        return picked

    def pack(self, device, tote, codes):
        self.scan(device, "pack", label("C", tote), 6000)
        parcels = []
        for start in range(0, len(codes), 3):
            for code in codes[start:start + 3]:
                self.scan(device, "pack", code, self.rng.randint(2000, 5000))
            if self.rng.random() < 0.03:
                self.scan(device, "pack", "(01)09506000134353", 1500)  # A mistyped digit.
            parcel = 500_000 + self.next_parcel
            self.next_parcel += 1
            self.scan(device, "pack", sscc(parcel), 4000)
            parcels.append(parcel)
        return parcels

    def ship(self, device, door, parcels):
        self.scan(device, "ship", label("L", door), 5000)
        for parcel in parcels:
            self.scan(device, "ship", sscc(parcel), self.rng.randint(2000, 4000))

    def count(self, device, bin_code):
        self.scan(device, "count", label("L", bin_code), 5000)
        for code in self.bins[bin_code]:
            self.scan(device, "count", code, 2000)
        self.scan(device, "count", label("L", bin_code), 3000)


def main():
    layout_path = sys.argv[1] if len(sys.argv) > 1 else "examples/fc-lyon/layout.toml"
    out_path = sys.argv[2] if len(sys.argv) > 2 else "examples/fc-lyon/scans.ndjson"
    with open(layout_path, "rb") as layout_file:
        layout = tomllib.load(layout_file)
    floor = Floor(layout, random.Random(20261128))
    parcels = []
    for wave in range(12):
        pallets = []
        for dock in range(1, 5):
            pallet = wave * 10 + dock
            codes = floor.receive(f"HH-R{dock:02d}", f"DOCK-{dock:02d}", pallet, 40)
            pallets.append((pallet, codes))
        for stower, (pallet, codes) in enumerate(pallets):
            floor.stow(f"HH-S{stower + 1:02d}", pallet, codes)
        for picker in range(1, 7):
            tote = f"T{wave * 10 + picker:05d}"
            picked = floor.pick(f"HH-P{picker:02d}", tote, 12)
            parcels += floor.pack(f"HH-K{1 + picker % 3:02d}", tote, picked)
        floor.ship(f"HH-L{1 + wave % 2:02d}", f"DOOR-{1 + wave % 4:02d}", parcels)
        parcels = []
    for bin_code in floor.bin_codes[:20]:
        floor.count("HH-C01", bin_code)
    with open(out_path, "w", encoding="utf-8") as out:
        for record in floor.records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(floor.records)} scan records to {out_path}")


if __name__ == "__main__":
    main()
