using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Arena.Benchmarks.Compare;

/// <summary>Writes the comparison's rows as Markdown, CSV and an SVG bar chart.</summary>
internal static class ResultsWriter
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static string Markdown(IReadOnlyList<CompareRunner.Row> rows, string machine, CompareOptions o)
    {
        var sb = new StringBuilder();
        sb.Append("Machine: ").Append(machine).Append('\n');
        if (o.Smoke) sb.Append("Smoke mode: sizes too small for the timings to mean anything.\n");
        sb.Append(o.JitDelayMs is int ms
            ? FormattableString.Invariant($"binary-trees: every variant's process runs with the JIT's call-counting delay at {ms} ms ({CompareOptions.JitDelayVariable}; the runtime's default is 100 ms, `--jit-delay default` keeps it).\n")
            : "binary-trees: every variant's process runs with the JIT's default call-counting delay (100 ms).\n");
        if (o.Rounds > 1) sb.Append(FormattableString.Invariant($"binary-trees: best of {o.Rounds} rounds per variant, the variants taking turns; peak memory is the highest of the rounds.\n"));
        foreach (var section in rows.GroupBy(r => r.Section))
        {
            var first = section.First();
            sb.Append('\n').Append("### ").Append(section.Key).Append("\n\n");
            bool trees = first.Unit == "s";
            sb.Append(trees ? "| variant | what | time | ratio to " + first.RatioTo + " | peak memory | output |\n|---|---|---:|---:|---:|---|\n"
                            : first.Unit == "ns/object"
                                ? "| what | time per live object | ratio to " + first.RatioTo + " |\n|---|---:|---:|\n"
                                : "| peer | time per pair | ratio to " + first.RatioTo + " |\n|---|---:|---:|\n");
            foreach (var r in section)
            {
                if (trees)
                    sb.Append(s_inv, $"| {r.Name} | {r.Description} | {r.Value:F2} s | {r.Ratio:F2}× | {r.PeakBytes / (1024.0 * 1024):F0} MB | {(r.Ok ? "correct" : "WRONG")} |\n");
                else if (r.Unit == "ns/object")
                    sb.Append(s_inv, $"| {r.Name} ({r.Description}) | {r.Value:F2} ns | {r.Ratio:F2}× |\n");
                else
                    sb.Append(s_inv, $"| {r.Name} | {r.Value:F2} ns | {r.Ratio:F2}× |\n");
            }
        }
        PauseTable(sb, rows);
        return sb.ToString();
    }

    private static void PauseTable(StringBuilder sb, IReadOnlyList<CompareRunner.Row> rows)
    {
        var withPauses = rows.Where(r => r.Pauses is { Count: > 0 }).ToList();
        if (withPauses.Count == 0) return;
        sb.Append("\n### stop-the-world pauses (binary-trees)\n\n")
          .Append("Each pause from the start of stopping (.NET: GCSuspendEEBegin; Arena: the first thread parked at a safepoint) ")
          .Append("to the restart; the last two columns are the stopping alone, until every thread had stopped.\n\n")
          .Append("| variant | pauses | max | p99 | total | stopping: max | stopping: total |\n|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in withPauses)
        {
            PauseSummary p = r.Pauses!.Value;
            sb.Append(s_inv, $"| {r.Name} | {p.Count} | {p.MaxMs:F2} ms | {p.P99Ms:F2} ms | {p.TotalMs:F0} ms | {p.StoppingMaxMs:F2} ms | {p.StoppingTotalMs:F0} ms |\n");
        }
    }

    public static string Csv(IReadOnlyList<CompareRunner.Row> rows)
    {
        var sb = new StringBuilder("section,name,value,unit,ratio,ratio_to,peak_bytes,ok\n");
        foreach (var r in rows)
            sb.Append(s_inv, $"{r.Section},{r.Name},{r.Value:R},{r.Unit},{r.Ratio:R},{r.RatioTo},{r.PeakBytes},{(r.Ok ? "true" : "false")}\n");
        return sb.ToString();
    }

    /// <summary>One horizontal bar per row, grouped by section, each bar its ratio (1.0 = the section's reference).</summary>
    public static string Svg(IReadOnlyList<CompareRunner.Row> rows, string machine)
    {
        XNamespace ns = "http://www.w3.org/2000/svg";
        const int left = 230, barMax = 420, rowH = 22, width = left + barMax + 220;
        var groups = rows.GroupBy(r => r.Section).ToList();
        int height = 40 + groups.Sum(g => 30 + g.Count() * rowH) + 20;
        var svg = new XElement(ns + "svg",
            new XAttribute("width", width), new XAttribute("height", height),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12),
            new XElement(ns + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")),
            new XElement(ns + "text", new XAttribute("x", 10), new XAttribute("y", 20), new XAttribute("font-size", 13), "Arena quick comparison — ratio to the reference of each group (shorter is faster)"));
        int y = 40;
        foreach (var g in groups)
        {
            double max = Math.Max(1, g.Max(r => double.IsFinite(r.Ratio) ? r.Ratio : 0));
            svg.Add(new XElement(ns + "text", new XAttribute("x", 10), new XAttribute("y", y + 16), new XAttribute("font-weight", "bold"),
                $"{g.Key} (1.0 = {g.First().RatioTo})"));
            y += 26;
            foreach (var r in g)
            {
                double ratio = double.IsFinite(r.Ratio) ? r.Ratio : 0;
                int w = (int)Math.Round(barMax * ratio / max);
                string color = r.Name.StartsWith("arena", StringComparison.OrdinalIgnoreCase) ? "#2b7bb9" : "#9aa5b1";
                svg.Add(new XElement(ns + "text", new XAttribute("x", left - 8), new XAttribute("y", y + 14), new XAttribute("text-anchor", "end"), r.Name));
                svg.Add(new XElement(ns + "rect", new XAttribute("x", left), new XAttribute("y", y + 3), new XAttribute("width", Math.Max(w, 1)), new XAttribute("height", rowH - 6), new XAttribute("fill", color)));
                svg.Add(new XElement(ns + "text", new XAttribute("x", left + w + 6), new XAttribute("y", y + 14),
                    string.Format(s_inv, "{0:F2}× ({1:F2} {2})", ratio, r.Value, r.Unit)));
                y += rowH;
            }
        }
        svg.Add(new XElement(ns + "text", new XAttribute("x", 10), new XAttribute("y", height - 8), new XAttribute("font-size", 10), new XAttribute("fill", "#555"), machine));
        return svg.ToString();
    }
}
