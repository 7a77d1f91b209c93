using Arena.Benchmarks.Compare;

namespace Arena.Tests.BinaryTrees;

public class CompareOptionsTests
{
    [Fact]
    public void The_comparison_runs_every_variant_with_no_jit_delay_by_default()
    {
        CompareOptions o = CompareOptions.TryParse([])!;
        Assert.Equal(0, o.JitDelayMs);
        var env = new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" };
        o.ApplyJitDelay(env);
        Assert.Equal("0", env[CompareOptions.JitDelayVariable]);
        Assert.Equal("1", env["DOTNET_gcServer"]);
    }

    [Fact]
    public void A_delay_given_in_milliseconds_goes_to_every_variant()
    {
        CompareOptions o = CompareOptions.TryParse(["--depth", "21", "--jit-delay", "250"])!;
        Assert.Equal(21, o.Depth);
        Assert.Equal(250, o.JitDelayMs);
        var env = new Dictionary<string, string?>();
        o.ApplyJitDelay(env);
        Assert.Equal("250", env[CompareOptions.JitDelayVariable]);
    }

    [Fact]
    public void The_default_delay_removes_one_inherited_from_the_shell()
    {
        CompareOptions o = CompareOptions.TryParse(["--jit-delay", "default"])!;
        Assert.Null(o.JitDelayMs);
        var env = new Dictionary<string, string?> { [CompareOptions.JitDelayVariable] = "0" };
        o.ApplyJitDelay(env);
        Assert.False(env.ContainsKey(CompareOptions.JitDelayVariable));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("60001")]
    [InlineData("soon")]
    [InlineData(null)]
    public void A_bad_delay_is_refused_with_what_the_option_takes(string? value)
    {
        string[] args = value is null ? ["--jit-delay"] : ["--jit-delay", value];
        var e = Assert.Throws<ArgumentException>(() => CompareOptions.TryParse(args));
        Assert.Contains("--jit-delay takes a whole number of milliseconds from 0 to 60000", e.Message);
    }

    [Fact]
    public void Arguments_the_comparison_does_not_know_go_to_BenchmarkDotNet()
    {
        Assert.Null(CompareOptions.TryParse(["--filter", "*Scope*"]));
    }
}
