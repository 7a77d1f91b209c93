using Arena.Benchmarks.Compare;
using BenchmarkDotNet.Running;

namespace Arena.Benchmarks;

/// <summary>
/// With no arguments (or only the comparison's own: --depth, --rounds, --jit-delay, --out, --smoke) runs the quick
/// side-by-side comparison; with any other arguments hands them to BenchmarkDotNet's switcher.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "--variant" && args[2] == "--depth")
            return CompareRunner.RunVariant(args[1], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(CompareOptions.Usage);
            return 0;
        }
        CompareOptions? options;
        try { options = CompareOptions.TryParse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(CompareOptions.Usage);
            return 2;
        }
        if (options is not null) return CompareRunner.Run(options);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
