"""report: the nightly report, report.json (schema compactfuzz-nightly/1), report.md and
report.html, all three from one report object (docs/nightly-report.md).
"""

import html
import json
import socket
from pathlib import Path

from cf import common

REPORT_SCHEMA = "compactfuzz-nightly/1"
OUTCOME_KEYS = ("holds", "finding", "not_applicable")
FUZZ_HEADERS = ["target", "engine", "seconds", "executions", "exec/s", "corpus",
                "coverage", "new coverage", "merged files", "crashes unique/total", "notes"]
HTML_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
              "td,th{border:1px solid #bbb;padding:2px 8px;text-align:left;font-size:90%}"
              ".pass{color:#060}.fail{color:#b00}.interrupted{color:#a60}")


def empty_fuzz():
    """The report's `fuzz` object of a run without fuzz stages."""
    return {"ran": False, "budget_s": 0, "engine": None, "engines": [], "jobs": 0,
            "targets": [], "runs": [], "crashes": {"total": 0, "replayed": 0, "unique": []}}


def make_report(started, finished, preset, stages, conformance, fuzz=None, interrupted=False):
    """The report.json object (schema compactfuzz-nightly/1). Verdict `interrupted` after
    Ctrl-C, else `pass` only if every stage passed and conformance ran."""
    ok = bool(stages) and all(s["status"] == "pass" for s in stages)
    ok = ok and any(s["name"] == "conformance" for s in stages)
    return {
        "schema": REPORT_SCHEMA,
        "started": common.iso(started),
        "finished": common.iso(finished),
        "duration_s": round((finished - started).total_seconds(), 3),
        "host": socket.gethostname(),
        "git_commit": common.git_commit(),
        "preset": preset,
        "stages": stages,
        "conformance": conformance,
        "fuzz": fuzz if fuzz is not None else empty_fuzz(),
        "verdict": "interrupted" if interrupted else ("pass" if ok else "fail"),
    }


def write_reports(report, run_dir):
    """Write report.json/.md/.html into run_dir and point <run_dir>/../latest at it."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (run_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (run_dir / "report.html").write_text(render_html(report), encoding="utf-8")
    common.update_latest(run_dir)
    return run_dir


# ---------------------------------------------------------------------------------------------
# Cells and sentences both renderings share


def cell(value):
    """A value as report-table text: JSON for dicts/lists/None, str otherwise."""
    if isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
        return json.dumps(value, sort_keys=True)
    return str(value)


def note_value(value):
    """An extra stage field as note text; a table of verdict counts per oracle reads
    'path_differential 32/0/0' (holds/finding/n/a)."""
    if isinstance(value, dict) and set(value) == set(OUTCOME_KEYS):
        return "/".join(str(value[k]) for k in OUTCOME_KEYS)
    if isinstance(value, dict):
        return ", ".join(f"{k} {note_value(v)}" for k, v in value.items())
    return str(value)


def stage_note(stage):
    """The notes column for a stage: its error, or its extra fields."""
    if "error" in stage:
        return stage["error"]
    skip = {"name", "status", "duration_s"}
    return ", ".join(f"{k} {note_value(v)}" for k, v in stage.items() if k not in skip)


def failed_files(report):
    """The conformance results that failed."""
    return [r for r in report["conformance"]["results"] if r["status"] != "pass"]


def failures_intro(report):
    """The sentence under the failures heading when no file failed, or None if some did."""
    if failed_files(report):
        return None
    if not any(s["name"] == "conformance" for s in report["stages"]):
        return "Conformance did not run; see the stage table."
    return "None."


def checks_summary(result):
    """'n/m' checks passed, and the names of the failed ones."""
    failed = [c["check"] for c in result["checks"] if not c["ok"]]
    return f"{len(result['checks']) - len(failed)}/{len(result['checks'])}", ", ".join(failed)


def md_escape(value):
    """A value as a Markdown table cell (pipes escaped, one line)."""
    return cell(value).replace("|", "\\|").replace("\n", " ")


def fuzz_of(report):
    """The report's fuzz object (reports written before fuzzing existed have none)."""
    return report.get("fuzz") or empty_fuzz()


def verdict_line(report):
    """The text after the verdict: conformance count, and fuzzing figures when it ran."""
    conf, fuzz = report["conformance"], fuzz_of(report)
    text = f"conformance {conf['passed']}/{conf['files']} files passed"
    if fuzz["ran"]:
        crashes = fuzz["crashes"]
        text += (f"; fuzzing {len(fuzz['runs'])} runs, {len(crashes['unique'])} unique crashes "
                 f"from {crashes['total']} artifacts")
    return text


def arrow(before, after):
    """'before → after' for a report cell ('-' for unknown values)."""
    return f"{'-' if before is None else before} → {'-' if after is None else after}"


def fuzz_rows(report):
    """The fuzzing table: one row of cells per fuzzing run."""
    rows = []
    for r in fuzz_of(report)["runs"]:
        new_cov = r.get("new_cov")
        unique = "-" if r.get("crashes_unique") is None else r["crashes_unique"]
        rows.append([r["target"], r["engine"], r.get("seconds"), r.get("executions"),
                     r.get("exec_per_s"), arrow(r.get("corpus_before"), r.get("corpus_after")),
                     arrow(r.get("cov_before"), r.get("cov_after")),
                     "-" if new_cov is None else f"+{new_cov} {r.get('coverage_unit', '')}".strip(),
                     r.get("merged_files", "-"), f"{unique}/{r.get('crashes_total', 0)}",
                     r.get("error", "")])
    return rows


def fuzz_intro(report):
    """The sentence under the fuzzing heading when there is no table, or None."""
    fuzz = fuzz_of(report)
    if not fuzz["ran"]:
        return "Fuzzing was not part of this run (--no-fuzz)."
    if not fuzz["runs"]:
        return "No target was fuzzed; see the stage table."
    return None


def fuzz_budget(report):
    """The sentence above the fuzzing table, or None without fuzzing."""
    fuzz = fuzz_of(report)
    if not fuzz["ran"]:
        return None
    return (f"Budget {fuzz['budget_s']} s over {', '.join(fuzz['targets'])}; engine "
            f"{fuzz['engine']}, {fuzz['jobs']} jobs.")


def crashes_intro(report):
    """The sentence under the unique-crashes heading when there are none, or None."""
    if fuzz_of(report)["crashes"]["unique"]:
        return None
    if not any(s["name"] == "crashes" for s in report["stages"]):
        return "Crash deduplication did not run."
    return "None."


# ---------------------------------------------------------------------------------------------
# report.md


def md_table(headers, rows):
    """A Markdown table; every cell escaped."""
    return (["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            + ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows])


def md_crashes(report):
    """The unique-crashes section of report.md."""
    out = ["## Unique crashes", ""]
    out += [crashes_intro(report)] if crashes_intro(report) else []
    for c in fuzz_of(report)["crashes"]["unique"]:
        out += [f"### `{c['token']}` {c['kind']} — {', '.join(c.get('targets', [c['target']]))}",
                "", f"- {md_escape(c['summary'])}",
                f"- artifacts: {c['count']}, for example `{c['artifact']}`"]
        out += [f"- replay output: `{c['log']}`"] if c.get("log") else []
        out += ["- frames:"] + [f"  {i}. `{f}`" for i, f in enumerate(c["frames"], 1)]
        out += ["", "```", c["command"], "```", ""]
    return out


def md_files(report):
    """The failed-files and per-file sections of report.md."""
    out = ["## Failed files", ""]
    out += [failures_intro(report)] if failures_intro(report) else []
    for r in failed_files(report):
        out += [f"### {r['file']}", ""]
        if "error" in r:
            out += [f"Error: `{r['error']}`", ""]
        out += ["| check | expected | actual |", "|---|---|---|"]
        out += [f"| {c['check']} | {md_escape(c['expected'])} | {md_escape(c['actual'])} |"
                for c in r["checks"] if not c["ok"]]
        out.append("")
    out += ["", "## Files", "", "| # | file | status | checks | failed checks |",
            "|---|---|---|---|---|"]
    for i, r in enumerate(report["conformance"]["results"], 1):
        passed, failed = checks_summary(r)
        out.append(f"| {i} | {md_escape(r['file'])} | {r['status']} | {passed} "
                   f"| {md_escape(failed)} |")
    return out


def render_markdown(report):
    """report.md: verdict, run facts, stage table, fuzzing table, unique crashes, failures in
    detail, per-file table."""
    out = [f"# compactfuzz nightly {report['started']}", "",
           f"**Verdict: {report['verdict'].upper()}** — {verdict_line(report)}", "",
           f"- preset `{report['preset']}`, host `{report['host']}`, "
           f"commit `{report['git_commit'] or 'none'}`",
           f"- started {report['started']}, finished {report['finished']} "
           f"({report['duration_s']} s)", "", "## Stages", "",
           "| stage | status | duration (s) | notes |", "|---|---|---|---|"]
    out += [f"| {s['name']} | {s['status']} | {s['duration_s']} | {md_escape(stage_note(s))} |"
            for s in report["stages"]]
    out += ["", "## Fuzzing", ""]
    out += [fuzz_budget(report), ""] if fuzz_budget(report) else []
    out += [fuzz_intro(report)] if fuzz_intro(report) else md_table(FUZZ_HEADERS, fuzz_rows(report))
    out += [""] + md_crashes(report) + [""] + md_files(report)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# report.html


def html_table(headers, rows):
    """A simple HTML table; every cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def html_crashes(report):
    """The unique-crashes section of report.html."""
    parts = ["<h2>Unique crashes</h2>"]
    parts += [f"<p>{html.escape(crashes_intro(report))}</p>"] if crashes_intro(report) else []
    for c in fuzz_of(report)["crashes"]["unique"]:
        parts.append(f"<h3><code>{html.escape(c['token'])}</code> {html.escape(c['kind'])} — "
                     f"{html.escape(', '.join(c.get('targets', [c['target']])))}</h3>")
        parts.append(html_table(["summary", "artifacts", "example", "replay output"],
                                [[c["summary"], c["count"], c["artifact"], c.get("log", "")]]))
        parts.append("<ol>" + "".join(f"<li><code>{html.escape(f)}</code></li>"
                                      for f in c["frames"]) + "</ol>")
        parts.append(f"<pre>{html.escape(c['command'])}</pre>")
    return parts


def html_files(report):
    """The failed-files and per-file sections of report.html."""
    parts = ["<h2>Failed files</h2>"]
    parts += [f"<p>{failures_intro(report)}</p>"] if failures_intro(report) else []
    for r in failed_files(report):
        parts.append(f"<h3>{html.escape(r['file'])}</h3>")
        if "error" in r:
            parts.append(f"<p>Error: <code>{html.escape(r['error'])}</code></p>")
        parts.append(html_table(["check", "expected", "actual"],
                                [[c["check"], c["expected"], c["actual"]]
                                 for c in r["checks"] if not c["ok"]]))
    parts += ["<h2>Files</h2>",
              html_table(["#", "file", "status", "checks", "failed checks"],
                         [[i, r["file"], r["status"], *checks_summary(r)]
                          for i, r in enumerate(report["conformance"]["results"], 1)])]
    return parts


def render_html(report):
    """report.html: the same content as report.md, self-contained."""
    verdict = report["verdict"]
    parts = [f"<h1>compactfuzz nightly {html.escape(report['started'])}</h1>",
             f"<p class='{verdict}'><b>Verdict: {verdict.upper()}</b> — "
             f"{html.escape(verdict_line(report))}</p>",
             html_table(["preset", "host", "commit", "started", "finished", "duration (s)"],
                        [[report[k] for k in ("preset", "host", "git_commit", "started",
                                              "finished", "duration_s")]]),
             "<h2>Stages</h2>",
             html_table(["stage", "status", "duration (s)", "notes"],
                        [[s["name"], s["status"], s["duration_s"], stage_note(s)]
                         for s in report["stages"]]),
             "<h2>Fuzzing</h2>"]
    parts += [f"<p>{html.escape(fuzz_budget(report))}</p>"] if fuzz_budget(report) else []
    parts.append(f"<p>{html.escape(fuzz_intro(report))}</p>" if fuzz_intro(report)
                 else html_table(FUZZ_HEADERS, fuzz_rows(report)))
    parts += html_crashes(report) + html_files(report)
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>compactfuzz nightly "
            f"{html.escape(report['started'])}</title><style>{HTML_STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
