using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>A store is a file path or a connection string, never a connection string taken for a path.</summary>
public sealed class StoreTargetTests
{
    [Theory]
    [InlineData("  Host=db.example.com;Database=keyadmin;Username=ka;Password=s3cret  ")]
    [InlineData("\tpostgresql://ka:s3cret@db.example.com/keyadmin\n")]
    public void Parse_AConnectionStringWithWhiteSpaceAround_IsPostgres(string value)
    {
        var target = StoreTarget.Parse(value, "/tmp/team.kek");

        Assert.True(target.IsPostgres);
        Assert.Equal("postgresql://ka@db.example.com:5432/keyadmin", target.Location);
    }

    [Theory]
    [InlineData("Password=s3cret")]
    [InlineData("user=ka;password=s3cret")]
    [InlineData("Data Source=db;Initial Catalog=keyadmin;")]
    [InlineData("mysql://ka:s3cret@db/keyadmin")]
    [InlineData("/var/lib/keyadmin/Pwd=s3cret")]
    public void Parse_AValueThatLooksLikeAConnectionString_IsNeverTakenForAPath(string value)
    {
        var e = Refusal.Expect(KeyAdminError.StoreUnavailable, () => StoreTarget.Parse(value));

        Assert.Equal("(connection string)", e.Target);
        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnOrdinaryPath_IsTheEmbeddedStore()
    {
        var target = StoreTarget.Parse(" /var/lib/keyadmin/keyadmin.db ");

        Assert.False(target.IsPostgres);
        Assert.Equal("/var/lib/keyadmin/keyadmin.db", target.Location);
    }
}
