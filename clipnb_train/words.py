"""The control words of the subtraction claims' null (``clipnb.nulls.CONTROL_WORDS``), drawn from WordNet 3.0.

A subtraction claim ("subtracting 'winter' removes the winter images") is set against the same query with a
control word subtracted in the claim word's place. Its p is a rank among the control words, and the claims'
statistics are small counts (images removed), so no tail can be estimated: p can reach α/m, the bar of Holm's
correction over a model's claims, only with enough words (1/(1 + words) ≤ 0.05/14 needs 280).

The words: single English nouns whose most frequent sense (SemCor counts, WordNet's ``cntlist.rev``) is a
man-made object, a descendant of container, device, implement, musical instrument, furniture, tableware,
utensil, conveyance, toy or equipment, and at least half of the lemma's tagged noun uses; one whole token of the
text tower's WordPiece vocabulary (a word common enough to be one); never clothing,
a structure, a weapon, a drug, a decoration, photographic or measuring equipment or an electrical device;
minus ``UNRELATED_NOT``, the words a judged image might show or a claim's word might mean (faces and their
grooming, close-ups and lenses, cold and heat, trees and farming, people, war), and words whose common meaning
is not the object. Ordered by SemCor count, most used first.

    python -m clipnb_train.words    # prints the tuple clipnb.nulls keeps; tests/test_nulls.py checks they agree
"""
from __future__ import annotations

import collections
import json
import re
from pathlib import Path

from clipnb.models import bundled_model_dir
from clipnb_train.english import WORDNET_DIR

FOOD_ROOTS = ("dish", "baked_goods", "dairy_product", "sweet", "sandwich", "condiment", "meat", "beverage",
              "pasta", "cereal")
ROOTS = ("container", "device", "implement", "musical_instrument", "furniture", "tableware", "utensil",
         ("conveyance", 2), "toy", "equipment")
BANNED = ("clothing", "structure", "photographic_equipment", "weapon", "drug", "decoration", "explosive_device",
          "instrument_of_execution", "electrical_device", "measuring_instrument")
UNRELATED_NOT = set((
    # faces, looking and grooming (E8 judges men and close-ups, E12a happy and sad faces)
    "glasses spectacles monocle eyepiece lens binoculars microscope denture razor comb toothbrush clothesbrush "
    "mirror aperture "
    # cold, heat, trees, gardens and farms (E9 winter and snow, E10 forests and trees)
    "heater thermostat axe plow plowshare pitchfork hoe windmill birdbath rooftree millwheel gristmill gatepost "
    "oxcart sheaf withe gourd cryostat stove "
    # people, bodies and their care (every claim judges people)
    "crutch wheelchair doll coffin cradle crib bassinet layette stethoscope "
    # war and harm
    "weapon bomber kamikaze interceptor destroyer scourge bludgeon goad whip trigger ramrod entanglement grenade "
    # common meanings other than the object, or not an object
    "anode cathode commuter local sable rib mound setup transit heaver bogy mayflower gig buck compact thong "
    "shooter shipwreck combine brace bracing perch seal safe can ram loop pocket key pen train disc switch "
    "spoke rig kit stilt starter contrivance contraption gadgetry workings circuitry machinery apparatus "
    "instrument holder gadget receptacle utensil vehicle thwart thill cantle crupper shim brad hasp sulky "
    "paramagnet orthicon gearset commutator rectifier capacitor resistor transistor thermistor oscillator "
    "electrode diaphragm analyzer applicator dispenser blinker snuffer quirt handspike irons sputnik "
    "soundtrack portfolio noisemaker streamliner buckboard teacart fauteuil escritoire daybed bedstead "
    "bedpost bogy landrover motorcar victrola crusher dipper heaver amplifier regulator detector sensor "
    "filter generator aerator blower satellite argyle argyll bender billy bones clarence condom dat electric empty "
    "equatorial floppy flaps flop galley grab implant jimmy launch led limited lower magnum panzer poker pry reset "
    "rom rook settle shades shay shook sights simulator stopping sunglasses technical tidy toby traverse tun upper "
    "upright warmer humanoid android robot ski skate sectional peripheral portable remote console rings chains bars "
    "elastic lcd cpu dvd ipod warship battleship frigate corvette cruiser casket gurney scuba trapping tank bath "
    "brakes brake lock stair doorstep hackney coulter harrow sawmill nickelodeon playhouse cassette laser "
    "vane hopper buffet stein altar throne compass launch android jet "
    "baba blanc colbert marge herbal organs partridge pepsi potion sub tonic dressing ark lounge rails shuttle "
    "dynamo wicket organs statue chicken puppet teddy cane rein bunk horn pole shutter bow match counter capsule "
    "pickup helm rod "
    # foods that grow on trees or warm in winter
    "soup stew cocoa chocolate tea coffee toddy cider nut nuts chestnut").split())
# Everyday objects further down noun.artifact (outside ROOTS), picked by hand from the same rule run with
# artifact itself as a root: the rule alone gives too few words that name an object and nothing else.
EVERYDAY = ("pillow tire brick curtain ladder rope towel umbrella refrigerator oven quilt mattress napkin bracelet "
            "tile fridge sink mat rug carpet pipe wire tape cord thread dice blanket tube statue cone puppet raft "
            "slate tablet panel gem staple marker dial vent grille cooler cot toy helmet mosaic podium satin velvet "
            "linen silk wool felt lace plush fabric textile cloth foil paint chimney doorway corridor hallway "
            "staircase stairway pier quay wharf tunnel arcade").split()
COUNT = 280


def _wordnet(root: Path):
    synsets, index, first_sense, total = {}, {}, collections.Counter(), collections.Counter()
    with open(root / "data.noun", encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            fields = line.partition(" | ")[0].split()
            words = int(fields[3], 16)
            at = 4 + 2 * words
            pointers = fields[at + 1: at + 1 + 4 * int(fields[at])]
            synsets[fields[0]] = (int(fields[1]), [pointers[j + 1] for j in range(0, len(pointers), 4)
                                                   if pointers[j] in ("@", "@i")])
    with open(root / "index.noun", encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                fields = line.split()
                index[fields[0]] = fields[-int(fields[2]):]
    with open(root / "cntlist.rev", encoding="latin-1") as f:
        for line in f:
            key, sense, count = line.split()
            lemma, kind = key.split("%")
            if kind.startswith("1"):  # a noun sense
                total[lemma] += int(count)
                first_sense[lemma] += int(count) if sense == "1" else 0
    return synsets, index, first_sense, total


def control_words(root: Path = WORDNET_DIR, count: int = COUNT) -> list[str]:
    """The ``count`` control words, most used first (see the module's docstring for the rule)."""
    if not (root / "data.noun").exists():
        raise FileNotFoundError(f"WordNet 3.0 not found in {root}: install Debian's `wordnet-base`")
    synsets, index, first_sense, total = _wordnet(root)

    def ancestors(offset):
        seen, todo = set(), [offset]
        while todo:
            for parent in synsets[todo.pop()][1]:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def offsets(names):
        return {index[n][0] if isinstance(n, str) else index[n[0]][n[1]] for n in names}

    roots, food, banned = offsets(ROOTS), offsets(FOOD_ROOTS), offsets(BANNED)
    vocabulary = set(json.loads((bundled_model_dir("bundled") / "tokenizer.json").read_text())["model"]["vocab"])
    chosen = []
    for lemma, senses in index.items():
        first = senses[0]
        kind = synsets[first][0]  # 6: noun.artifact, 13: noun.food
        if not re.fullmatch(r"[a-z]{3,12}", lemma) or lemma in UNRELATED_NOT or kind not in (6, 13):
            continue
        above = ancestors(first)
        if (above & (roots if kind == 6 else food) or lemma in EVERYDAY) and not above & banned and lemma in vocabulary and first_sense[lemma] >= 0.5 * total[lemma]:
            chosen.append((-first_sense[lemma], lemma))
    words = [w for _, w in sorted(chosen)]
    if count is not None and len(words) < count:
        raise ValueError(f"WordNet gives {len(words)} control words, fewer than the {count} asked for")
    return words if count is None else words[:count]


if __name__ == "__main__":
    words = control_words()
    print(f"{len(words)} words:\n" + " ".join(words))
