"""Build ``sipadu/staff/common_passwords.txt`` (a developer tool, not part of the package).

Sources:
- Django's ``django/contrib/auth/common-passwords.txt.gz`` (about 20,000 leaked passwords,
  BSD-3-Clause), read from a Django wheel or installation: pass its path as the argument;
- Indonesian and SIPADU-specific words and patterns composed below, each also written with
  the usual digit suffixes so the file is useful on its own.

The policy check additionally lower-cases, strips leading/trailing digits and punctuation and
undoes common leet substitutions, so the list holds base forms rather than every variant.

Usage: python scripts/build_common_passwords.py /path/to/common-passwords.txt.gz
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sipadu" / "staff" / "common_passwords.txt"
HEADER = """\
# Common passwords refused for SIPADU staff accounts (one per line, lower case).
# Built by scripts/build_common_passwords.py from:
#  - Django's common-passwords list, redistributed under the BSD-3-Clause licence:
#    Copyright (c) Django Software Foundation and individual contributors.
#    All rights reserved. Redistribution and use in source and binary forms, with or
#    without modification, are permitted provided that the copyright notice, this list of
#    conditions and the disclaimer below are retained. Neither the name of Django nor the
#    names of its contributors may be used to endorse or promote products derived from
#    this software without specific prior written permission. THIS SOFTWARE IS PROVIDED
#    BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED
#    WARRANTIES ARE DISCLAIMED; IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE
#    LIABLE FOR ANY DAMAGES ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE.
#  - Indonesian words, places and patterns composed for SIPADU.
"""

_WORDS_TEXT = """
indonesia nusantara merdeka garuda pancasila bhinneka tunggalika proklamasi republik
jakarta jakartaku dkijakarta bandung surabaya medan semarang yogyakarta jogja jogjakarta
solo surakarta malang bogor depok bekasi tangerang tangsel serang cilegon cirebon tasikmalaya
palembang makassar manado denpasar bali lombok mataram kupang ambon jayapura papua sorong
pontianak banjarmasin balikpapan samarinda palangkaraya pekanbaru padang jambi bengkulu
lampung bandarlampung batam tanjungpinang pangkalpinang bandaaceh aceh sumatra sumatera
jawa jawabarat jawatengah jawatimur kalimantan sulawesi maluku madura betawi sunda
monas ancol kemayoran menteng senayan kebayoran cengkareng tanjungpriok kotatua
bismillah bismilah alhamdulillah alhamdulilah insyaallah insya allah inshaallah mashaallah
subhanallah astaghfirullah allahuakbar allahu akbar lailahaillallah assalamualaikum
muhammad rasulullah alquran quran islam muslim masjid sholat ramadhan lebaran idulfitri
kristus yesus tuhan tuhanyesus haleluya amin gereja natal
sayang sayangku sayangkamu sayangmama sayangibu sayangayah sayangbunda cinta cintaku
cintakamu cintamati cintasejati akucintakamu akusayangkamu kamu aku kita kami dia
rahasia rahasiaku katasandi kata sandi sandi kunci masuk login pengguna pegawai karyawan
kantor kantorku kerja pekerjaan pemerintah pemprov pemda pemkot pemkab provinsi kota
inspektorat inspektur irban auditor pemeriksa verifikator pengaduan pengawasan
sipadu lapor laporan pelapor pelaporan aduan keluhan admin administrator operator
asn pns cpns honorer bkd opd dinas badan biro sekretariat sekda gubernur walikota bupati
camat lurah kelurahan kecamatan rtrw warga
ibu bapak ayah bunda mama papa mamah papah emak abah umi abi anak anakku adik kakak
keluarga keluargaku suami istri pacar sahabat teman temanku kawan saudara nenek kakek
ganteng cantik manis imut lucu keren hebat pintar bodoh gila sakti jagoan juara pemenang
selamat sukses bahagia senang sedih rindu kangen setia jujur sabar ikhlas semangat
indah bunga mawar melati anggrek matahari bulan bintang langit pelangi hujan angin laut
pantai gunung api air tanah hutan sungai danau pulau
kucing anjing harimau macan singa gajah burung elang rajawali naga kuda kambing sapi
ikan buaya kera monyet ayam bebek
bangsat bajingan kampret anjay mantap mantul asik asyik gokil santai
nasgor nasigoreng sate bakso rendang soto gado gadogado tempe tahu kopi teh susu roti
persija persib arema persebaya psm psis persipura bonek viking jakmania aremania
timnas garudamuda sepakbola bola futsal badminton bulutangkis
senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
agustus september oktober november desember
satu dua tiga empat lima enam tujuh delapan sembilan sepuluh seratus seribu sejuta
qwerty qwertyuiop asdfghjkl zxcvbnm qazwsx qweasd qweasdzxc asdasd zxczxc 1qaz2wsx
qwertyui asdfgh zxcvbn poiuytrewq lkjhgfdsa mnbvcxz abcdef abcdefgh abcd abc
password passw0rd p@ssw0rd pass admin root user guest test testing welcome letmein
"""
INDONESIAN_WORDS = _WORDS_TEXT.split()

SUFFIXES = (
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "01",
    "99",
    "00",
    "007",
    "1945",
    "17081945",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
    "!",
    "!!",
    "@",
    "@123",
    "#1",
    "123!",
    "_123",
)
KEYBOARD_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "0987654321",
    "abcdefghijklmnopqrstuvwxyz",
)


def keyboard_walks() -> set[str]:
    """Every run of 4 or more keys along a row or the alphabet, both directions."""
    walks: set[str] = set()
    for row in KEYBOARD_ROWS:
        for text in (row, row[::-1]):
            for start in range(len(text)):
                for end in range(start + 4, len(text) + 1):
                    walks.add(text[start:end])
    return walks


def composed() -> set[str]:
    """Indonesian and instance words with the usual suffixes, years and keyboard walks."""
    entries: set[str] = set()
    for word in INDONESIAN_WORDS:
        for suffix in SUFFIXES:
            entries.add(word + suffix)
    for year in range(1945, 2031):
        entries.add(str(year))
    return entries | keyboard_walks()


def main(django_list: Path) -> None:
    with gzip.open(django_list, "rt", encoding="utf-8") as handle:
        upstream = {line.strip().lower() for line in handle if line.strip()}
    entries = sorted(upstream | composed())
    OUT.write_text(HEADER + "\n".join(entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
