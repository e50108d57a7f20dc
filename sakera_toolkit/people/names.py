"""Madurese-style synthetic names (research-notes §9.6): no family names, Arabic-Islamic given names.

Rural Sampang names have no surname: a person is ``Moh. Rofiq``, ``Abd. Rahman``, ``Ach. Fauzi``,
``Siti Aminah``, ``Nur Hasanah`` or a single name such as ``Maimunah`` or ``Sahrawi``. Batak
surnames and Christian/Western first names (about 11 % of Faker ``id_ID`` names) are implausible
there, so the population is named from the lists below instead of Faker. The lists are common
given names of the region compiled for this toolkit; any combination is synthetic and names nobody.

:func:`draw_names` composes names by pattern (prefix + name, single name, two names) with a numpy
Generator: same generator state, same names.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MALE_NAMES", "ABD_NAMES", "FEMALE_NAMES", "MALE_PREFIXES", "FEMALE_PREFIXES", "draw_names"]

#: Common male given names in Madura (Arabic-Islamic and Madurese forms).
MALE_NAMES = (
    "Rofiq", "Rofi'i", "Fauzi", "Sholeh", "Zainal", "Zainuddin", "Kholil", "Munir", "Marzuki", "Subairi",
    "Sahrawi", "Tohir", "Fathor", "Faruk", "Hosnan", "Holik", "Jufri", "Juhri", "Jamal", "Mahfud", "Mahrus",
    "Ma'ruf", "Misbah", "Mukhlis", "Mursyid", "Musleh", "Nawawi", "Ridwan", "Rosyid", "Saiful", "Samsul",
    "Suhri", "Sukri", "Taufik", "Ulum", "Yasin", "Yusuf", "Zubairi", "Zaini", "Anwar", "Arifin", "Asmuni",
    "Badrus", "Bahri", "Busri", "Dofir", "Faisol", "Ghozali", "Hafid", "Halili", "Hambali", "Ilyas", "Imron",
    "Iskandar", "Ismail", "Jailani", "Junaidi", "Kamaluddin", "Lukman", "Maksum", "Masduki", "Matrawi",
    "Muhlis", "Munawir", "Musa", "Mustofa", "Nasir", "Rasyid", "Romli", "Sadik", "Safi'i", "Sahlan", "Salim",
    "Samsuri", "Sanusi", "Sarkawi", "Sirajuddin", "Subhan", "Sulaiman", "Syamsul", "Syarif", "Tamim",
    "Ubaidillah", "Usman", "Wardi", "Zakaria", "Zuhri", "Rasidi", "Busiri", "Hosen", "Marsuki", "Hasan",
    "Husen", "Hasyim", "Idris", "Jakfar", "Khoiri", "Mansur", "Muzakki", "Nuruddin", "Qomaruddin", "Rifa'i",
    "Sholihin", "Syafi'i", "Thoyyib", "Umar", "Wahyudi", "Zainullah", "Hairul", "Hozaini", "Mat Sahri",
    "Samhudi", "Sujak", "Mahmud", "Rusdi", "Rawi", "Supandi", "Bukhori", "Fadil", "Nurul Huda", "Badrul",
    "Haris", "Alwi", "Amin", "Baidowi", "Fathurrahman", "Hamzah", "Khairul", "Luthfi", "Mukhtar", "Rohim",
)  # fmt: skip

#: Names that follow ``Abd.``/``Abdul`` (the Asmaul Husna).
ABD_NAMES = (
    "Rahman", "Rohim", "Hamid", "Qodir", "Wahid", "Kholik", "Ghofur", "Aziz", "Latif", "Majid", "Malik",
    "Karim", "Salam", "Muis", "Rozak", "Mukit", "Hadi", "Basit", "Jalil", "Halim", "Hafid", "Rouf", "Wahab",
    "Mannan", "Somad", "Syukur", "Muthalib", "Ghoni", "Haq", "Bari",
)  # fmt: skip

#: Common female given names in Madura.
FEMALE_NAMES = (
    "Aminah", "Asiyah", "Fatimah", "Halimah", "Hasanah", "Hosniyah", "Jamilah", "Khotijah", "Kholifah",
    "Maimunah", "Mariyam", "Masrurah", "Maisaroh", "Munawaroh", "Muzayyanah", "Nafisah", "Naimah",
    "Qomariyah", "Rahmah", "Rofiqoh", "Rohmah", "Romlah", "Rukayyah", "Sa'diyah", "Salamah", "Samsiyah",
    "Sofiyah", "Sumiati", "Supiyah", "Syarifah", "Ulfa", "Umamah", "Zahroh", "Zainab", "Zulaikha", "Hamidah",
    "Hafsah", "Holisah", "Mardiyah", "Mas'udah", "Munirah", "Amnah", "Badriyah", "Farida", "Hanifah",
    "Holifah", "Insiyah", "Khoiriyah", "Latifah", "Luluk", "Musyarofah", "Nurhayati", "Tohiroh", "Wardah",
    "Aisyah", "Hidayah", "Jannah", "Laila", "Lailatul Qodriyah", "Maslahah", "Mutmainnah", "Nikmah",
    "Rodiyah", "Rofiah", "Sakinah", "Solehah", "Sunnah", "Fadilah", "Hosnia", "Marfu'ah", "Misnati",
    "Juma'ati", "Sahriyah", "Satuni", "Buhairah", "Halwiyah", "Kamila", "Nadiyah", "Qurrotul Aini",
    "Robiatul Adawiyah", "Ummi Kulsum", "Zakiyah", "Zubaidah", "Faizah", "Habibah", "Inayah", "Karimah",
    "Mahmudah", "Mufidah", "Nurul Aini", "Rifqiyah", "Saudah", "Ulfiyah", "Yatimah", "Hurriyah", "Arofah",
)  # fmt: skip

#: Male first-name forms (written on documents as given; ``Moh.``, ``Abd.`` and ``Ach.`` are the
#: usual abbreviations).
MALE_PREFIXES = ("Moh.", "Mohammad", "Muhammad", "Ach.", "Achmad", "Ahmad")
#: Female name openers.
FEMALE_PREFIXES = ("Siti", "Nur")


def _male(rng: np.random.Generator) -> str:
    u = rng.random()
    if u < 0.30:
        return f"{MALE_PREFIXES[rng.integers(len(MALE_PREFIXES))]} {MALE_NAMES[rng.integers(len(MALE_NAMES))]}"
    if u < 0.45:
        return f"{'Abd.' if rng.random() < 0.6 else 'Abdul'} {ABD_NAMES[rng.integers(len(ABD_NAMES))]}"
    if u < 0.80:
        return str(MALE_NAMES[rng.integers(len(MALE_NAMES))])
    a, b = rng.choice(len(MALE_NAMES), size=2, replace=False)
    return f"{MALE_NAMES[a]} {MALE_NAMES[b]}"


def _female(rng: np.random.Generator) -> str:
    u = rng.random()
    if u < 0.30:
        return f"Siti {FEMALE_NAMES[rng.integers(len(FEMALE_NAMES))]}"
    if u < 0.42:
        return f"Nur {FEMALE_NAMES[rng.integers(len(FEMALE_NAMES))]}"
    if u < 0.85:
        return str(FEMALE_NAMES[rng.integers(len(FEMALE_NAMES))])
    a, b = rng.choice(len(FEMALE_NAMES), size=2, replace=False)
    return f"{FEMALE_NAMES[a]} {FEMALE_NAMES[b]}"


def draw_names(rng: np.random.Generator, n: int, sex: str) -> list[str]:
    """``n`` names of ``sex`` (``"M"``/``"F"``) in draw order; common names repeat as in real life."""
    make = _male if sex == "M" else _female
    return [make(rng) for _ in range(int(n))]
