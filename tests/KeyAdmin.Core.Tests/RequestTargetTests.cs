using KeyAdmin.Core.Verification;

namespace KeyAdmin.Core.Tests;

/// <summary>What the verifier takes as a request target: RFC 3986's path and query characters, '%' only before two hex digits.</summary>
public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/api/v1/accounts")]
    [InlineData("/api/v1/accounts?currency=USDT&type=trade")]
    [InlineData("/api/v1/orders?symbol=BTC-USDT&note=a%20b+c")]
    [InlineData("/p/%41%4a%4A?x=%7e~!$&'()*+,;=:@/?")]
    [InlineData("/")]
    public void WellFormed(string target) => Assert.True(RequestTarget.IsWellFormed(target));

    [Theory]
    [InlineData("/api/v1/orders?body={\"a\":1}")]
    [InlineData("/a b")]
    [InlineData("/a%")]
    [InlineData("/a%4")]
    [InlineData("/a%4g")]
    [InlineData("/a%%41")]
    [InlineData("/a%41%")]
    [InlineData("/a#fragment")]
    [InlineData("/a\u00e9")]
    [InlineData("/a\"")]
    [InlineData("/a<b>")]
    [InlineData("/a\\b")]
    public void NotWellFormed(string target) => Assert.False(RequestTarget.IsWellFormed(target));
}
