using BenchmarkDotNet.Running;

namespace Arena.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "binarytrees")
            return BinaryTrees.BinaryTreesRunner.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
