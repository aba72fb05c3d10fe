using KeyAdmin.Benchmarks.Scale;
using KeyAdmin.Benchmarks.Service;

namespace KeyAdmin.Benchmarks.Tests;

/// <summary>The bench commands' options: the shared ones read alike, an unknown one refused with the list of those there are.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void SharedOptions_AreReadAlikeByEachCommand()
    {
        var service = ServiceOptions.Parse(["--work", "w", "--rounds", "2", "--keep", "true", "--json", "s.json", "--engine", "postgres"]);
        var scale = ScaleOptions.Parse(["--keys", "1,000", "--work", "w", "--json", "c.json", "--keep", "true", "--runs", "2"]);

        Assert.Equal((Path.GetFullPath("w"), true, Path.GetFullPath("s.json"), 2), (service.WorkFolder, service.Keep, service.JsonPath, service.Rounds));
        Assert.Equal(new[] { "postgres" }, service.Engines);
        Assert.Equal((Path.GetFullPath("w"), true, Path.GetFullPath("c.json"), 2), (scale.WorkFolder, scale.Keep, scale.JsonPath, scale.Runs));
        Assert.Equal(new[] { 1000L }, scale.Keys);
    }

    [Fact]
    public void UnknownOption_IsRefusedWithTheCommandsOwnAndTheSharedOptions()
    {
        var service = Assert.Throws<ArgumentException>(() => ServiceOptions.Parse(["--keys", "5"]));
        var scale = Assert.Throws<ArgumentException>(() => ScaleOptions.Parse(["--engine", "sqlite"]));

        Assert.Contains("'--keys'", service.Message);
        Assert.Contains("--engine sqlite|postgres", service.Message);
        Assert.Contains("--work DIR --keep true --json FILE", service.Message);
        Assert.Contains("'--engine'", scale.Message);
        Assert.Contains("--keys N (repeatable)", scale.Message);
        Assert.Contains("--work DIR --keep true --json FILE", scale.Message);
    }

    [Theory]
    [InlineData("--rounds", "0", "--rounds must be at least 1.")]
    [InlineData("--keep", null, "--keep needs a value.")]
    [InlineData("--work", null, "--work needs a value.")]
    public void AValueMissingOrTooSmall_IsRefusedByName(string option, string? value, string message)
    {
        var refused = Assert.Throws<ArgumentException>(() => ServiceOptions.Parse(value is null ? [option] : [option, value]));

        Assert.Equal(message, refused.Message);
    }
}
