#!/usr/bin/env python3
"""Writes examples/fc-lyon/layout.toml, the example site FR-LYS1.

FR-LYS1 is an imaginary parcel fulfilment centre east of Lyon: 16 inbound docks, four stow
zones of rack bins (20,580 bins), 2,000 pick faces, 40 pack stations, 24 outbound doors,
5,000 products and 3,550 reusable containers. See examples/fc-lyon/README.md and
docs/LAYOUT.md for the format.

The output is deterministic: the same script always writes the same bytes (no clock, a
fixed random seed), so the file can be committed and regenerated without noise.

Usage: tools/make_example_layout.py [--output PATH]
"""

import argparse
import pathlib
import random

SEED = 20240611
COMPANY_PREFIX = "9506000"  # GS1's example company prefix: never a real product.
PRODUCT_COUNT = 5000

ZONES = [
    ("INB", "Réception (inbound docks)"),
    ("A", "Stow A: petits articles, étagères"),
    ("B", "Stow B: articles moyens, étagères"),
    ("C", "Stow C: volumineux, racks à palettes"),
    ("D", "Stow D: mezzanine, multi-référence"),
    ("P", "Pick faces (forward pick)"),
    ("PACK", "Emballage (pack stations)"),
    ("OUT", "Expédition (outbound doors)"),
]

# Rack ranges: (zone, aisles, bays, levels, positions, capacity, comment). Lower levels of
# the bulky and mezzanine zones are deeper, hence the split ranges.
LOCATION_RANGES = [
    ("A", (1, 12), (1, 40), (1, 6), (1, 2), 60,
     "Zone A: 12 aisles x 40 bays x 6 shelf levels x 2 positions = 5,760 small-item bins."),
    ("B", (1, 12), (1, 36), (1, 2), (1, 3), 36,
     "Zone B: 12 x 36 bays, levels 1-2 (deep shelves), 3 positions = 2,592 bins."),
    ("B", (1, 12), (1, 36), (3, 5), (1, 3), 24,
     "Zone B: levels 3-5, shallower = 3,888 bins."),
    ("C", (1, 10), (1, 30), (1, 1), (1, 2), 12,
     "Zone C: pallet racking, floor level, 2 pallet places per bay = 600 bins."),
    ("C", (1, 10), (1, 30), (2, 4), (1, 2), 8,
     "Zone C: pallet racking, levels 2-4 = 1,800 bins."),
    ("D", (1, 11), (1, 36), (1, 5), (1, 3), 40,
     "Zone D: mezzanine shelving, 11 x 36 x 5 x 3 = 5,940 bins."),
    ("P", (1, 10), (1, 40), (1, 5), (1, 1), 48,
     "Zone P: pick faces replenished from A-D, 10 x 40 x 5 = 2,000 faces."),
]

# Outbound doors and the carrier that loads at each.
CARRIERS = ["Colissimo", "Chronopost", "DPD", "GLS", "UPS", "DHL Express", "Mondial Relay",
            "Geodis", "DB Schenker", "FedEx", "Relais Colis", "Colis Privé"]

# Product catalogue: home zone -> items, each with the attributes and sizes that make sense
# for it. A description is "<item> <attribute> <size>", e.g. "Bouilloire inox 1.7 L".
CATALOGUE = {
    "A": [  # Small items.
        ("Câble USB-C", ["noir", "blanc", "tressé"], ["0.5 m", "1 m", "2 m", "3 m"]),
        ("USB-C cable", ["black", "white", "braided"], ["1 m", "2 m"]),
        ("Câble HDMI 2.1", ["noir", "8K"], ["1 m", "2 m", "5 m"]),
        ("Ethernet cable Cat6", ["grey", "blue", "flat"], ["2 m", "5 m", "10 m"]),
        ("Chargeur USB-C", ["GaN", "compact", "2 ports"], ["20 W", "30 W", "65 W"]),
        ("Power bank", ["slim", "MagSafe", "USB-C PD"], ["5000 mAh", "10000 mAh", "20000 mAh"]),
        ("Coque iPhone 15", ["silicone", "transparente", "cuir"], ["noir", "bleu", "rose"]),
        ("Galaxy S24 case", ["clear", "rugged", "leather"], ["black", "green", "navy"]),
        ("Piles alcalines AA", ["longue durée"], ["lot de 4", "lot de 8", "lot de 16"]),
        ("Pile bouton CR2032", ["lithium"], ["x2", "x5"]),
        ("Rouge à lèvres", ["mat", "satiné"], ["rouge", "nude", "framboise"]),
        ("Crème mains", ["karité", "bio", "à l'amande"], ["30 ml", "75 ml"]),
        ("Lip balm", ["SPF 15", "vanilla", "unscented"], ["4.8 g"]),
        ("Clé USB", ["USB 3.2", "métal"], ["32 Go", "64 Go", "128 Go"]),
        ("Carte microSD", ["A2", "U3"], ["64 Go", "128 Go", "256 Go"]),
    ],
    "B": [  # Medium items.
        ("Bouilloire", ["inox", "verre", "sans fil"], ["1 L", "1.7 L"]),
        ("Poêle", ["antiadhésive", "inox", "fonte"], ["20 cm", "24 cm", "28 cm"]),
        ("Casserole", ["inox", "cuivre", "antiadhésive"], ["16 cm", "18 cm", "20 cm"]),
        ("French press", ["glass", "stainless steel"], ["0.35 L", "1 L"]),
        ("Saladier", ["verre", "bambou", "céramique"], ["24 cm", "28 cm"]),
        ("Roman poche", ["policier", "fantasy", "classique"], ["tome 1", "tome 2", "intégrale"]),
        ("Cookbook", ["vegetarian", "Lyon bouchons", "baking"], ["hardcover", "paperback"]),
        ("Puzzle", ["paysage", "carte du monde", "art"], ["500 pièces", "1000 pièces"]),
        ("Jeu de société", ["famille", "coopératif", "ambiance"], ["2-4 joueurs", "3-8 joueurs"]),
        ("Building blocks set", ["city", "space", "castle"], ["250 pcs", "600 pcs"]),
        ("T-shirt coton bio", ["blanc", "noir", "marine"], ["S", "M", "L", "XL"]),
        ("Hoodie", ["grey marl", "black", "forest green"], ["S", "M", "L", "XL"]),
        ("Chaussettes", ["laine mérinos", "coton"], ["39-42", "43-46"]),
        ("Running shorts", ["black", "navy"], ["S", "M", "L"]),
    ],
    "C": [  # Bulky items.
        ("Aspirateur balai", ["sans fil", "cyclonique"], ["0.6 L", "0.8 L"]),
        ("Micro-ondes", ["grill", "inox", "pose libre"], ["20 L", "23 L", "25 L"]),
        ("Air fryer", ["digital", "double bac"], ["4.5 L", "5.5 L", "8 L"]),
        ("Ventilateur colonne", ["silencieux", "télécommande"], ["80 cm", "105 cm"]),
        ("Radiateur bain d'huile", ["3 allures", "thermostat"], ["1500 W", "2000 W"]),
        ("Couette", ["tempérée", "hiver", "légère"], ["140x200", "220x240", "240x260"]),
        ("Oreiller", ["mémoire de forme", "moelleux"], ["50x70", "60x60"]),
        ("Parasol", ["inclinable", "déporté"], ["2.5 m", "3 m"]),
        ("Barbecue charbon", ["kettle", "acier émaillé"], ["47 cm", "57 cm"]),
        ("Chaise pliante", ["aluminium", "bois d'acacia"], ["lot de 2", "lot de 4"]),
        ("Garden hose", ["anti-twist", "expandable"], ["15 m", "25 m"]),
    ],
    "D": [  # Fast-moving consumables, stowed on the mezzanine close to the pick faces.
        ("Lessive liquide", ["écologique", "peaux sensibles"], ["1.5 L", "3 L"]),
        ("Papier toilette", ["double épaisseur", "recyclé"], ["x12", "x24"]),
        ("Dish soap", ["lemon", "unscented"], ["500 ml", "1 L"]),
        ("Sacs poubelle", ["liens coulissants"], ["30 L x20", "50 L x15"]),
        ("Croquettes chat", ["saumon", "poulet", "stérilisé"], ["400 g", "2 kg", "4 kg"]),
        ("Dog treats", ["chicken", "beef", "dental"], ["150 g", "500 g"]),
        ("Litière", ["agglomérante", "végétale"], ["10 L", "20 L"]),
        ("Café en grains", ["bio", "intense", "décaféiné"], ["250 g", "500 g", "1 kg"]),
        ("Capsules espresso", ["ristretto", "lungo", "décaféiné"], ["x10", "x50"]),
        ("Thé vert", ["sencha", "menthe"], ["20 sachets", "100 g"]),
        ("Chocolat noir 70%", ["bio", "Fairtrade"], ["100 g", "x3"]),
        ("Granola", ["sans sucre ajouté", "chocolat"], ["375 g", "1 kg"]),
    ],
}
# Fictional house brands, named after Lyon districts.
BRANDS = ["Fourvière", "Croix-Rousse", "Bellecour", "Confluence", "Tête d'Or", "Gerland",
          "Brotteaux", "Part-Dieu", "Vaise", "Presqu'île", "Saint-Jean", "Monplaisir"]
# Share of products per home zone: many small items, few bulky ones.
ZONE_WEIGHTS = [("A", 35), ("B", 30), ("C", 10), ("D", 25)]


def gs1_check_digit(payload):
    """The GS1 mod-10 check digit of `payload` (digits before the check digit)."""
    total = 0
    for i, digit in enumerate(reversed(payload)):
        total += int(digit) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def toml_string(text):
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace("\"", "\\\"")
    return "\"" + escaped + "\""


def span(pair):
    return "[%d, %d]" % pair


def write_site(out):
    out.append("[site]")
    out.append("code = \"FR-LYS1\"")
    out.append("name = " + toml_string("Lyon Saint-Quentin-Fallavier fulfilment centre"))
    out.append("")


def write_zones(out):
    for code, name in ZONES:
        out.append("[[zones]]")
        out.append("code = " + toml_string(code))
        out.append("name = " + toml_string(name))
        out.append("")


def write_explicit_locations(out):
    out.append("# Inbound docks: trucks unload here; received stock waits for stow.")
    for dock in range(1, 17):
        out.append("[[locations]]")
        out.append("code = \"DOCK-%02d\"" % dock)
        out.append("zone = \"INB\"")
        out.append("type = \"dock\"")
        out.append("")
    out.append("# Pack stations: 32 single-parcel lines and 8 multi-item stations.")
    for station in range(1, 41):
        out.append("[[locations]]")
        out.append("code = \"PACK-%02d\"" % station)
        out.append("zone = \"PACK\"")
        out.append("type = \"pack_station\"")
        out.append("capacity = %d" % (200 if station <= 32 else 400))
        out.append("")
    out.append("# Outbound doors, two per carrier.")
    for door in range(1, 25):
        out.append("[[locations]]  # " + CARRIERS[(door - 1) // 2])
        out.append("code = \"DOOR-%02d\"" % door)
        out.append("zone = \"OUT\"")
        out.append("type = \"outbound_door\"")
        out.append("")


def write_location_ranges(out):
    for zone, aisles, bays, levels, positions, capacity, comment in LOCATION_RANGES:
        out.append("# " + comment)
        out.append("[[location_ranges]]")
        out.append("zone = " + toml_string(zone))
        out.append("type = " + toml_string("pick_face" if zone == "P" else "stow_bin"))
        out.append("aisles = " + span(aisles))
        out.append("bays = " + span(bays))
        out.append("levels = " + span(levels))
        out.append("positions = " + span(positions))
        out.append("capacity = %d" % capacity)
        out.append("")


def product(rng, seen):
    """A (home zone, description) drawn from the catalogue, new unless the draws run out."""
    zones = [zone for zone, _ in ZONE_WEIGHTS]
    weights = [weight for _, weight in ZONE_WEIGHTS]
    zone = rng.choices(zones, weights)[0]
    for _ in range(50):
        item, attributes, sizes = rng.choice(CATALOGUE[zone])
        words = [rng.choice(BRANDS), item, rng.choice(attributes), rng.choice(sizes)]
        description = " ".join(words)
        if description not in seen:
            break
    seen.add(description)
    return zone, description


def write_products(out, rng):
    out.append("# 5,000 products under GS1's example company prefix 9506000:")
    out.append("# GTIN-13 = 9506000 + 5-digit item reference + check digit.")
    seen = set()
    for item in range(1, PRODUCT_COUNT + 1):
        zone, description = product(rng, seen)
        payload = COMPANY_PREFIX + "%05d" % item
        out.append("[[products]]")
        out.append("gtin = \"%s%s\"" % (payload, gs1_check_digit(payload)))
        out.append("description = " + toml_string(description))
        out.append("home_zone = " + toml_string(zone))
        out.append("")


def write_containers(out):
    ranges = [
        ("tote", "T", 1, 3000, 5, "3,000 picking totes T00001-T03000 (label C.T00001.<check>)."),
        ("cart", "K", 1, 150, 3, "150 multi-tote picking carts K001-K150."),
        ("crate", "R", 1, 400, 4, "400 returnable crates R0001-R0400 for bulky items."),
    ]
    for container_type, prefix, first, last, digits, comment in ranges:
        out.append("# " + comment)
        out.append("[[container_ranges]]")
        out.append("type = " + toml_string(container_type))
        out.append("prefix = " + toml_string(prefix))
        out.append("from = %d" % first)
        out.append("to = %d" % last)
        out.append("digits = %d" % digits)
        out.append("")


def build_layout():
    rng = random.Random(SEED)
    out = [
        "# FR-LYS1, the example fulfilment centre of examples/fc-lyon/README.md.",
        "# Generated by tools/make_example_layout.py; edit the script, not this file.",
        "# Format: docs/LAYOUT.md.",
        "",
    ]
    write_site(out)
    write_zones(out)
    write_explicit_locations(out)
    write_location_ranges(out)
    write_products(out, rng)
    write_containers(out)
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path,
                        default=root / "examples" / "fc-lyon" / "layout.toml")
    args = parser.parse_args()
    args.output.write_text(build_layout(), encoding="utf-8")


if __name__ == "__main__":
    main()
