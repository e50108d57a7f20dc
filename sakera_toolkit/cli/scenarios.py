"""``sakera scenarios``: list the shipped rollout scenarios, show or check one."""

from __future__ import annotations

import sys

from ._output import add_format_argument, emit_frame, emit_json


def register(sub) -> None:
    """Add ``scenarios list|show|check``."""
    p = sub.add_parser(
        "scenarios",
        help="list, show or check rollout scenarios (presets or YAML files)",
        description="Rollout scenarios: the presets shipped with the toolkit and your own YAML files. "
        "Skenario rollout: preset bawaan dan berkas YAML Anda sendiri.",
    )
    ssub = p.add_subparsers(dest="scenarios_command", metavar="ACTION")
    p_list = ssub.add_parser(
        "list",
        help="list the preset scenarios with their descriptions",
        description="List the preset scenarios: horizon, phases, villages live at the end, outages and the "
        "description in Bahasa Indonesia and English.",
    )
    add_format_argument(p_list)
    p_list.add_argument("--lang", choices=("id", "en", "both"), default="id", help="description language (default: id)")
    p_list.set_defaults(func=run_list)

    p_show = ssub.add_parser(
        "show",
        help="show one scenario (preset name or YAML path) as validated YAML",
        description="Validate a scenario and print it as YAML (default), or print its villages with go-live dates "
        "(--villages), or the engine parameters (--params).",
    )
    p_show.add_argument(
        "scenario", metavar="NAME_OR_PATH", help="preset name (see `sakera scenarios list`) or a YAML file"
    )
    group = p_show.add_mutually_exclusive_group()
    group.add_argument("--villages", action="store_true", help="print the villages that go live, with date and phase")
    group.add_argument("--params", action="store_true", help="print the engine parameters (FlowParams fields) as JSON")
    add_format_argument(p_show)
    p_show.set_defaults(func=run_show)

    p_check = ssub.add_parser(
        "check",
        help="validate scenario files; exit 2 with the field path on the first problem",
        description="Validate one or more scenario files (or preset names). Prints 'ok NAME' per scenario.",
    )
    p_check.add_argument("scenario", nargs="+", metavar="NAME_OR_PATH", help="preset names or YAML files")
    p_check.set_defaults(func=run_check)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_list(args) -> int:
    """Run ``sakera scenarios list``."""
    from ..scenarios import presets_table

    df = presets_table()
    if args.lang == "id":
        df = df.drop(columns=["description_en"]).rename(columns={"description_id": "description"})
    elif args.lang == "en":
        df = df.drop(columns=["description_id"]).rename(columns={"description_en": "description"})
    if args.format == "table":
        _print_wrapped(df)
        return 0
    emit_frame(df, args.format)
    return 0


def _print_wrapped(df, width: int | None = None) -> None:
    """The facts of each preset on one line, then its description(s) wrapped to the terminal width."""
    import shutil
    import textwrap

    width = width or min(shutil.get_terminal_size((100, 24)).columns, 120)
    text_cols = [c for c in df.columns if c.startswith("description")]
    facts = df.drop(columns=text_cols)
    lines = facts.to_string(index=False).splitlines()
    print(lines[0])
    for line, (_, row) in zip(lines[1:], df.iterrows(), strict=True):
        print(line)
        for col in text_cols:
            label = {"description_id": "id: ", "description_en": "en: "}.get(col, "")
            print(textwrap.fill(str(row[col]), width=width, initial_indent="    " + label, subsequent_indent="    "))
        print()


def run_show(args) -> int:
    """Run ``sakera scenarios show``."""
    from ..scenarios import load

    scenario = load(args.scenario)
    if args.villages:
        df = scenario.village_frame()
        df = df[df["go_live_date"].notna()].sort_values(["go_live_date", "village_code"])
        cols = [
            "village_code",
            "village_name",
            "village_type",
            "district_name",
            "population",
            "travel_minutes",
            "go_live_date",
            "phase",
        ]
        out = df[cols].copy()
        out["go_live_date"] = out["go_live_date"].dt.date.astype(str)
        emit_frame(out, args.format)
    elif args.params:
        emit_json(scenario.flow_kwargs())
    else:
        sys.stdout.write(scenario.to_yaml())
    return 0


def run_check(args) -> int:
    """Run ``sakera scenarios check``."""
    from ..scenarios import load

    for item in args.scenario:
        scenario = load(item)
        scenario.go_live_dates()
        print(f"ok {scenario.name} ({item})")
    return 0
