"""conform_report: a conformance run's reports, all from one report object (docs/conform.md).

  report.json  schema compactfuzz-conform/1: testees (name, command, hello, capabilities,
               counts), cases, and one result per case and testee;
  report.md    the summary lines, every failure with its reason and one-line reproduction,
               and with several testees a results matrix (case x testee);
  report.html  the same, the matrix coloured by result, self-contained; a small script fills
               in a self-check of the rendered colours (tests/scripts read it in a headless
               browser);
  junit.xml    one <testsuite> per testee, one <testcase> per case: failures as <failure>,
               skipped cases and expected failures as <skipped> (message says which), so a CI
               system shows the run natively.
"""

import html
import json
from pathlib import Path
from xml.sax.saxutils import quoteattr, escape

RESULTS = ("success", "skipped", "expected_failure", "unexpected_failure", "unexpected_success")
SYMBOL = {"success": "pass", "skipped": "skip", "expected_failure": "xfail",
          "unexpected_failure": "FAIL", "unexpected_success": "XPASS"}
COLOUR = {"success": "#cfeccf", "skipped": "#e4e4e4", "expected_failure": "#f6e3a8",
          "unexpected_failure": "#f4b4b4", "unexpected_success": "#d9c2ef"}
TITLE = {"success": "successes", "skipped": "skipped", "expected_failure": "expected failures",
         "unexpected_failure": "unexpected failures",
         "unexpected_success": "listed but passing"}


def write_reports(report, out_dir):
    """report.json, report.md, report.html and junit.xml into out_dir; their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / n for n in ("report.json", "report.md", "report.html", "junit.xml")]
    texts = [json.dumps(report, indent=1) + "\n", render_markdown(report), render_html(report),
             render_junit(report)]
    for p, t in zip(paths, texts):
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(t, encoding="utf-8")
        tmp.replace(p)
    return paths


def summary_text(info):
    c = info["counts"]
    return (f"{c['success'] + c['unexpected_success']} successes, {c['skipped']} skipped, "
            f"{c['expected_failure']} expected failures, {c['unexpected_failure']} unexpected "
            "failures")


def by_case(report):
    """{case: {testee: result}}, in case order."""
    table = {c["name"]: {} for c in report["cases"]}
    for r in report["results"]:
        table.setdefault(r["case"], {})[r["testee"]] = r
    return table


def failures(report):
    return [r for r in report["results"]
            if r["result"] in ("unexpected_failure", "unexpected_success", "expected_failure")]


def md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------


def render_markdown(report):
    lines = [f"# compactfuzz conformance {report['started']}", "",
             f"Reference: `{report['reference']}` at commit `{report['commit']}`; "
             f"{len(report['cases'])} cases; {report['seconds']} s.", ""]
    lines += ["| testee | reports itself as | result |", "|---|---|---|"]
    for t in report["testees"]:
        who = " ".join(x for x in (t.get("testee_name"), t.get("version")) if x) or "-"
        lines.append(f"| {md_cell(t['name'])} | {md_cell(who)} | {summary_text(t)} |")
    for t in report["testees"]:
        if t.get("broken"):
            lines += ["", f"**{t['name']}**: {md_cell(t['broken'])}"]
    bad = failures(report)
    lines += ["", "## Failures", ""]
    if not bad:
        lines.append("None.")
    for r in bad:
        lines += [f"- **{r['testee']}** `{r['case']}` ({TITLE[r['result']]}): {md_cell(r['reason'])}"]
        if r.get("repro"):
            lines.append(f"  - reproduce: `{r['repro']}`")
    if len(report["testees"]) > 1:
        names = [t["name"] for t in report["testees"]]
        lines += ["", "## Results matrix", "", "| case | " + " | ".join(names) + " |",
                  "|---|" + "---|" * len(names)]
        for case, row in by_case(report).items():
            cells = [SYMBOL[row[n]["result"]] if n in row else "-" for n in names]
            lines.append(f"| `{case}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------

STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #bbb;padding:2px 8px;text-align:left;font-size:90%}"
         "td.r{text-align:center;font-family:monospace}"
         + "".join(f".{k}{{background:{v}}}" for k, v in COLOUR.items()))

# Counts the rendered matrix cells by their computed background colour, so a headless browser
# run can check what a person sees (tests/scripts/test_conform.py).
SELF_CHECK = """
<script>
(function () {
  var counts = {};
  document.querySelectorAll('td.r').forEach(function (td) {
    var colour = getComputedStyle(td).backgroundColor;
    var key = td.dataset.result + '=' + colour;
    counts[key] = (counts[key] || 0) + 1;
  });
  document.getElementById('selfcheck').textContent = JSON.stringify(counts);
})();
</script>"""


def render_html(report):
    names = [t["name"] for t in report["testees"]]
    parts = [f"<h1>compactfuzz conformance {html.escape(report['started'])}</h1>",
             f"<p>Reference <code>{html.escape(report['reference'])}</code>, commit "
             f"<code>{html.escape(str(report['commit']))}</code>, {len(report['cases'])} cases, "
             f"{report['seconds']} s.</p>",
             "<table><tr><th>testee</th><th>command</th><th>reports itself as</th>"
             "<th>result</th></tr>"]
    for t in report["testees"]:
        who = " ".join(x for x in (t.get("testee_name"), t.get("version")) if x) or "-"
        parts.append(f"<tr><td>{html.escape(t['name'])}</td><td><code>"
                     f"{html.escape(t['command'])}</code></td><td>{html.escape(who)}</td>"
                     f"<td>{html.escape(summary_text(t))}</td></tr>")
    parts.append("</table>")
    parts.append("<p>" + " ".join(f"<span class='{k}' style='padding:2px 6px'>{SYMBOL[k]}: "
                                  f"{TITLE[k]}</span>" for k in RESULTS) + "</p>")
    bad = failures(report)
    parts.append("<h2>Failures</h2>")
    if not bad:
        parts.append("<p>None.</p>")
    else:
        parts.append("<table><tr><th>testee</th><th>case</th><th>result</th><th>reason</th>"
                     "<th>reproduce</th></tr>")
        for r in bad:
            parts.append(f"<tr><td>{html.escape(r['testee'])}</td><td><code>"
                         f"{html.escape(r['case'])}</code></td><td class='{r['result']}'>"
                         f"{TITLE[r['result']]}</td><td>{html.escape(r['reason'])}</td><td><code>"
                         f"{html.escape(r.get('repro', ''))}</code></td></tr>")
        parts.append("</table>")
    parts.append("<h2>Results</h2><table id='matrix'><tr><th>case</th>"
                 + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>")
    for case, row in by_case(report).items():
        cells = []
        for n in names:
            r = row.get(n)
            if r is None:
                cells.append("<td>-</td>")
                continue
            cells.append(f"<td class='r {r['result']}' data-result='{r['result']}' "
                         f"title='{html.escape(r['reason'], quote=True)}'>{SYMBOL[r['result']]}</td>")
        parts.append(f"<tr><td><code>{html.escape(case)}</code></td>{''.join(cells)}</tr>")
    parts.append("</table><pre id='selfcheck'></pre>")
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>compactfuzz conformance"
            f"</title><style>{STYLE}</style></head><body>\n" + "\n".join(parts) + SELF_CHECK
            + "\n</body></html>\n")


# ---------------------------------------------------------------------------------------------


def render_junit(report):
    suites, total = [], {"tests": 0, "failures": 0, "skipped": 0}
    for t in report["testees"]:
        rs = [r for r in report["results"] if r["testee"] == t["name"]]
        fails = sum(r["result"] in ("unexpected_failure", "unexpected_success") for r in rs)
        skips = sum(r["result"] in ("skipped", "expected_failure") for r in rs)
        seconds = sum(r["seconds"] for r in rs)
        total["tests"] += len(rs)
        total["failures"] += fails
        total["skipped"] += skips
        cases = []
        for r in rs:
            head = (f'    <testcase classname={quoteattr("conform." + t["name"] + "." + r["group"])} '
                    f'name={quoteattr(r["case"])} time="{r["seconds"]:.4f}"')
            body = ""
            if r["result"] == "unexpected_failure":
                body = (f'<failure message={quoteattr(r["reason"][:500])} type="conformance">'
                        f'{escape(r["reason"])}\nreproduce: {escape(r.get("repro", ""))}</failure>')
            elif r["result"] == "unexpected_success":
                body = ('<failure message="listed in the failure list, but passes" '
                        'type="unexpected_success">remove it from the failure list</failure>')
            elif r["result"] == "expected_failure":
                body = f'<skipped message={quoteattr("expected failure: " + r["reason"][:400])}/>'
            elif r["result"] == "skipped":
                body = f'<skipped message={quoteattr(r["reason"][:400])}/>'
            cases.append(head + (f">{body}</testcase>" if body else "/>"))
        suites.append(f'  <testsuite name={quoteattr("conform." + t["name"])} tests="{len(rs)}" '
                      f'failures="{fails}" errors="0" skipped="{skips}" time="{seconds:.3f}">\n'
                      + "\n".join(cases) + "\n  </testsuite>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="compactfuzz conform" '
            f'tests="{total["tests"]}" failures="{total["failures"]}" errors="0" '
            f'skipped="{total["skipped"]}">\n' + "\n".join(suites) + "\n</testsuites>\n")
