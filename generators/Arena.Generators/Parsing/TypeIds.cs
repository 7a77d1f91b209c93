namespace Arena.Generators.Parsing;

/// <summary>The stable type id: FNV-1a 64 over the name's UTF-16 code units, low byte first.</summary>
internal static class TypeIds
{
    public static ulong Of(string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return h;
    }
}
