"""User-facing strings of the app in Bahasa Indonesia (default) and English.

Every text a user reads goes through :func:`t` (or a :class:`Translator` bound to one language),
so a page can be rebuilt in the other language at any moment. The chosen language is kept per
browser in the cookie :data:`LANG_COOKIE` (read by the login page and by every new session) and
per session by the shell's switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LANGS: tuple[str, ...] = ("id", "en")
DEFAULT_LANG = "id"
LANG_COOKIE = "sakera_lang"

#: key -> (Bahasa Indonesia, English). Placeholders use ``str.format`` names.
STRINGS: dict[str, tuple[str, str]] = {
    # --- shell and common -------------------------------------------------------------------
    "app.title": ("Sakera Mesem · Latihan Operator Adminduk", "Sakera Mesem · Adminduk Operator Training"),
    "app.short": ("Sakera Mesem", "Sakera Mesem"),
    "app.demo_banner": (
        "MODE DEMO: basis data contoh dengan pengguna sintetis. Jangan pakai untuk data nyata.",
        "DEMO MODE: sample database with synthetic users. Do not use for real data.",
    ),
    "shell.language": ("Bahasa", "Language"),
    "shell.logout": ("Keluar", "Log out"),
    "shell.logged_in_as": ("Masuk sebagai {name} ({role})", "Logged in as {name} ({role})"),
    "nav.latihan": ("Latihan", "Practice"),
    "nav.pelatih": ("Pelatih", "Trainer"),
    "nav.ringkasan": ("Ringkasan", "Summary"),
    "nav.skenario": ("Skenario", "Scenarios"),
    "nav.bukti": ("Bukti", "Evidence"),
    "role.trainee": ("peserta", "trainee"),
    "role.trainer": ("pelatih", "trainer"),
    "role.evaluator": ("evaluator", "evaluator"),
    "common.none": ("(tidak ada)", "(none)"),
    "common.yes": ("ya", "yes"),
    "common.no": ("tidak", "no"),
    "common.seconds": ("{n:.0f} detik", "{n:.0f} s"),
    "common.percent": ("{n:.0f}%", "{n:.0f}%"),
    "denied.title": ("Akses ditolak", "Access denied"),
    "denied.body": (
        "Akun Anda ({role}) tidak boleh membuka halaman ini.",
        "Your account ({role}) may not open this page.",
    ),
    "denied.home": ("Kembali ke halaman Anda", "Back to your page"),
    # --- login ------------------------------------------------------------------------------
    "login.title": ("Masuk", "Log in"),
    "login.heading": ("Latihan Operator Adminduk", "Adminduk Operator Training"),
    "login.subtitle": (
        "Dispendukcapil Kabupaten Sampang · program Sakera Mesem",
        "Dispendukcapil of Sampang Regency · Sakera Mesem programme",
    ),
    "login.username": ("Nama pengguna", "Username"),
    "login.password": ("Kata sandi", "Password"),
    "login.submit": ("Masuk", "Log in"),
    "login.error": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "login.throttled": (
        "Terlalu banyak percobaan gagal. Coba lagi dalam {n} detik.",
        "Too many failed attempts. Try again in {n} seconds.",
    ),
    "login.other_lang": ("English", "Bahasa Indonesia"),
    "logout.done": ("Anda sudah keluar.", "You have logged out."),
    "session.ended": ("Sesi Anda sudah berakhir: akun dinonaktifkan atau Anda sudah keluar.",
                      "Your session has ended: the account was deactivated or you logged out."),
    "session.login_again": ("Masuk lagi", "Log in again"),
    "logout.again": ("Masuk lagi", "Log in again"),
    # --- latihan (trainee) ------------------------------------------------------------------
    "latihan.queue": ("Antrean warga", "Citizens waiting"),
    "latihan.queue_empty": ("Antrean kosong.", "Nobody is waiting."),
    "latihan.waiting": ("{n} warga menunggu", "{n} citizens waiting"),
    "latihan.serve_next": ("Layani warga berikutnya", "Serve the next citizen"),
    "latihan.request": ("Permohonan", "Request"),
    "latihan.citizen_says": ("Warga berkata:", "The citizen says:"),
    "latihan.documents": ("Berkas yang dibawa", "Documents brought"),
    "latihan.no_documents": ("Warga tidak membawa berkas.", "The citizen brought no documents."),
    "latihan.step_service": ("1. Pilih layanan", "1. Choose the service"),
    "latihan.step_requirements": ("2. Periksa persyaratan", "2. Check the requirements"),
    "latihan.requirements_help": (
        "Centang persyaratan yang terpenuhi oleh berkas warga.",
        "Tick each requirement the citizen's documents meet.",
    ),
    "latihan.step_defects": ("3. Tandai masalah", "3. Flag problems"),
    "latihan.defects_help": (
        "Centang setiap masalah yang Anda temukan (kosongkan bila berkas bersih).",
        "Tick every problem you found (leave empty if the file is clean).",
    ),
    "latihan.step_decision": ("4. Keputusan", "4. Decision"),
    "latihan.missing": ("Yang harus dilengkapi warga", "What the citizen must bring"),
    "latihan.step_form": ("5. Isi formulir", "5. Fill in the form"),
    "latihan.form_help": (
        "Isi hanya bila permohonan diproses. Salin data dari berkas.",
        "Only when the request proceeds. Copy the data from the documents.",
    ),
    "latihan.submit": ("Kirim jawaban", "Submit answer"),
    "latihan.choose_service": ("(pilih layanan)", "(choose a service)"),
    "latihan.hint": ("Petunjuk", "Hint"),
    "latihan.feedback": ("Hasil penilaian", "Grading result"),
    "latihan.score": ("Nilai", "Score"),
    "latihan.time_taken": ("Waktu", "Time"),
    "latihan.saved": ("Jawaban tersimpan (percobaan #{n}).", "Answer saved (attempt #{n})."),
    "latihan.criterion": ("Kriteria", "Criterion"),
    "latihan.expected": ("Seharusnya", "Expected"),
    "latihan.given": ("Jawaban Anda", "Your answer"),
    "latihan.rule": ("Aturan", "Rule"),
    "latihan.basis": ("Dasar hukum", "Legal basis"),
    "latihan.case_rules": ("Aturan yang berlaku pada kasus ini", "The rules of this case"),
    "latihan.progress": ("Kemajuan saya", "My progress"),
    "latihan.level": ("Tingkat", "Level"),
    "latihan.cases_done": ("Kasus selesai", "Cases done"),
    "latihan.recent_avg": ("Rata-rata 20 terakhir", "Average of last 20"),
    "latihan.certified": ("Bersertifikat", "Certified"),
    "latihan.not_certified": ("Belum bersertifikat", "Not certified yet"),
    "latihan.my_record": ("Unduh rekaman saya (CSV)", "Download my record (CSV)"),
    "latihan.incomplete": (
        "Pilih layanan dan keputusan dulu sebelum mengirim.",
        "Choose a service and a decision before submitting.",
    ),
    "latihan.score_history": ("Nilai per kasus", "Score per case"),
    "latihan.your_answer": ("Jawaban Anda dibanding kunci jawaban", "Your answer next to the answer key"),
    "latihan.level_up": ("Naik tingkat! Sekarang Tingkat {n}: {name}.", "Level up! You are now at level {n}: {name}."),
    "latihan.shown_since": ("dilayani sejak {time} WIB", "serving since {time} WIB"),
    "latihan.timer": ("Waktu berjalan", "Time running"),
    "decision.process": ("Proses", "Process"),
    "decision.return": ("Kembalikan (berkas kurang)", "Return (incomplete)"),
    "decision.refer": ("Rujuk ke kantor Dispendukcapil", "Refer to the Dispendukcapil office"),
    # --- pelatih (trainer) ------------------------------------------------------------------
    "pelatih.class": ("Kelas saya", "My class"),
    "pelatih.trainee": ("Peserta", "Trainee"),
    "pelatih.village": ("Desa", "Village"),
    "pelatih.attempts": ("Percobaan", "Attempts"),
    "pelatih.mean_score": ("Rata-rata nilai", "Mean score"),
    "pelatih.last_activity": ("Terakhir aktif", "Last active"),
    "pelatih.certification": ("Sertifikasi", "Certification"),
    "pelatih.progress": ("Kemajuan peserta", "Trainee progress"),
    "pelatih.choose_trainee": ("Pilih peserta", "Choose a trainee"),
    "pelatih.mistakes": ("Kesalahan paling sering (aturan × layanan)", "Most common mistakes (rule × service)"),
    "pelatih.no_mistakes": ("Belum ada kesalahan tercatat.", "No mistakes recorded yet."),
    "pelatih.no_attempts": ("Belum ada percobaan.", "No attempts yet."),
    "pelatih.recent": ("Percobaan terbaru", "Latest attempts"),
    "pelatih.export": ("Ekspor rekaman peserta", "Export the trainee's record"),
    "pelatih.export_csv": ("Unduh CSV", "Download CSV"),
    "pelatih.export_pdf": ("Unduh PDF", "Download PDF"),
    "pelatih.refresh": ("Muat ulang data", "Reload data"),
    "pelatih.no_trainees": ("Belum ada peserta di kelas Anda.", "No trainees in your class yet."),
    "pelatih.when": ("Waktu", "When"),
    "pelatih.service": ("Layanan", "Service"),
    "pelatih.score": ("Nilai", "Score"),
    "pelatih.rule": ("Aturan", "Rule"),
    "pelatih.count": ("Jumlah", "Count"),
    # --- ringkasan (evaluator) --------------------------------------------------------------
    "ringkasan.title": ("Ringkasan program pelatihan", "Training programme summary"),
    "ringkasan.note": (
        "Hanya angka gabungan: tidak ada data per orang di halaman ini.",
        "Aggregates only: no per-person data on this page.",
    ),
    "ringkasan.trainees": ("Peserta", "Trainees"),
    "ringkasan.attempts": ("Percobaan", "Attempts"),
    "ringkasan.mean_score": ("Rata-rata nilai", "Mean score"),
    "ringkasan.certified": ("Operator bersertifikat", "Certified operators"),
    "ringkasan.ready_villages": ("Desa siap", "Villages ready"),
    "ringkasan.by_service": ("Nilai rata-rata per layanan", "Mean score per service"),
    "ringkasan.by_week": ("Percobaan per minggu", "Attempts per week"),
    "ringkasan.mistakes": ("Kesalahan per aturan", "Mistakes per rule"),
    "ringkasan.empty": ("Belum ada data.", "No data yet."),
}


def normalize_lang(lang: str | None) -> str:
    """Return a supported language code, falling back to :data:`DEFAULT_LANG`."""
    if lang is None:
        return DEFAULT_LANG
    code = str(lang).strip().lower()[:2]
    return code if code in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
    """Translate ``key`` into ``lang`` and fill its placeholders.

    Parameters
    ----------
    key
        A key of :data:`STRINGS`.
    lang
        ``"id"`` or ``"en"``; anything else falls back to Indonesian.
    **values
        Values for the ``str.format`` placeholders of the string.

    Returns
    -------
    str
        The translated text. An unknown key raises ``KeyError`` (a programming error).
    """
    text = STRINGS[key][LANGS.index(normalize_lang(lang))]
    return text.format(**values) if values else text


def lang_from_cookies(cookies: Mapping[str, object] | None) -> str:
    """Language chosen in the browser (cookie :data:`LANG_COOKIE`), default Indonesian.

    Accepts both plain strings and ``http.cookies.Morsel`` values.
    """
    if not cookies:
        return DEFAULT_LANG
    value = cookies.get(LANG_COOKIE)
    value = getattr(value, "value", value)
    return normalize_lang(value if isinstance(value, str) else None)


@dataclass(frozen=True)
class Translator:
    """:func:`t` bound to one language: ``tr = Translator("en"); tr("login.title")``."""

    lang: str = DEFAULT_LANG

    def __call__(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def pick(self, indonesian: str, english: str | None) -> str:
        """Choose between an Indonesian and an English text coming from the data."""
        if self.lang == "en" and english:
            return english
        return indonesian
