using Microsoft.CodeAnalysis.Text;

namespace Arena.Generators.Tests;

/// <summary>Source with <c>[|marked|]</c> spans: the markers are removed and the spans returned in order.</summary>
internal static class Markup
{
    public static (string Source, List<TextSpan> Spans) Parse(string markup)
    {
        var spans = new List<TextSpan>();
        var text = new System.Text.StringBuilder();
        int open = -1;
        for (int i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, "[|", 0, 2) == 0) { open = text.Length; i++; }
            else if (string.CompareOrdinal(markup, i, "|]", 0, 2) == 0) { spans.Add(TextSpan.FromBounds(open, text.Length)); i++; }
            else text.Append(markup[i]);
        }
        return (text.ToString(), spans);
    }
}
