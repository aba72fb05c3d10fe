using System.Net;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>R5: addresses and CIDR ranges, IPv4 and IPv6, and what they let in.</summary>
public sealed class IpRuleTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", 32)]
    [InlineData(" 203.0.113.7 ", "203.0.113.7", 32)]
    [InlineData("2001:db8::1", "2001:db8::1", 128)]
    [InlineData("2001:DB8:0:0::1", "2001:db8::1", 128)]
    [InlineData("10.0.0.0/24", "10.0.0.0/24", 24)]
    [InlineData("0.0.0.0/0", "0.0.0.0/0", 0)]
    [InlineData("2001:db8::/32", "2001:db8::/32", 32)]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7", 32)]
    [InlineData("::ffff:10.0.0.0/120", "10.0.0.0/24", 24)]
    [InlineData("10.0.0.0/024", "10.0.0.0/24", 24)]
    [InlineData("10.0.0.0/08", "10.0.0.0/8", 8)]
    [InlineData("203.0.113.7/32", "203.0.113.7", 32)]
    [InlineData("0.0.0.0/00", "0.0.0.0/0", 0)]
    [InlineData("192.168.255.255", "192.168.255.255", 32)]
    public void Parse_AcceptsAddressesAndRanges(string text, string shown, int prefix)
    {
        var rule = IpRule.Parse(text);

        Assert.Equal(shown, rule.ToString());
        Assert.Equal(prefix, rule.PrefixLength);
    }

    [Fact]
    public void Parse_Ipv4MappedIpv6_EqualsTheIpv4Address()
    {
        var mapped = IpRule.Parse("::ffff:203.0.113.7");
        var plain = IpRule.Parse("203.0.113.7");

        Assert.Equal(plain, mapped);
        Assert.Equal(plain.GetHashCode(), mapped.GetHashCode());
        Assert.True(mapped.Contains(IPAddress.Parse("203.0.113.7")));
        Assert.True(plain.Contains(IPAddress.Parse("::ffff:203.0.113.7")));
        Assert.False(mapped.Contains(IPAddress.Parse("203.0.113.8")));
        Assert.Single(IpBinding.Build(new[] { "203.0.113.7", "::ffff:203.0.113.7" }));
    }

    [Theory]
    [InlineData("10.0.0.1/24")]
    [InlineData("2001:db8::1/32")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("010.0.0.1")]   // .NET reads this as octal, 8.0.0.1: never what an administrator meant
    [InlineData("0x0a.0.0.1")]
    [InlineData("1.2.3.04")]
    [InlineData("10.0.0.00/8")]
    [InlineData("1.2.3")]
    [InlineData("10")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.0.0.1")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("fe80::1%1")]
    [InlineData("::ffff:10.0.0.0/64")]
    [InlineData("203.0.113.7,203.0.113.8")]
    public void Parse_RefusesWithInvalidIpAddress(string text)
    {
        var e = Refusal.Expect(KeyAdminError.InvalidIpAddress, () => IpRule.Parse(text));

        Assert.Equal(text, e.Target);
    }

    [Fact]
    public void Parse_OfNull_RefusesWithInvalidIpAddress()
    {
        Refusal.Expect(KeyAdminError.InvalidIpAddress, () => IpRule.Parse(null!));
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "9.255.255.255", false)]
    [InlineData("10.0.0.0/23", "10.0.1.255", true)]
    [InlineData("10.0.0.0/23", "10.0.2.0", false)]
    [InlineData("192.168.4.0/22", "192.168.7.255", true)]
    [InlineData("192.168.4.0/22", "192.168.8.0", false)]
    [InlineData("192.168.4.0/22", "192.168.3.255", false)]
    [InlineData("203.0.113.7", "203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.6", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("0.0.0.0/0", "::1", false)]
    [InlineData("10.0.0.0/24", "::ffff:10.0.0.255", true)]
    [InlineData("2001:db8::/32", "2001:db8::", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false)]
    [InlineData("2001:db8:0:80::/57", "2001:db8:0:ff::1", true)]
    [InlineData("2001:db8:0:80::/57", "2001:db8:0:100::", false)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("2001:db8::1", "2001:db8::2", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void Contains_AtTheEdgesOfARange(string rule, string caller, bool expected)
    {
        Assert.Equal(expected, IpRule.Parse(rule).Contains(IPAddress.Parse(caller)));
    }

    [Fact]
    public void Build_KeepsOrderAndDropsDuplicates_AndSerializesRoundTrip()
    {
        var rules = IpBinding.Build(new[] { "203.0.113.7", "2001:db8::/32", "203.0.113.7", "10.0.0.0/8" });

        Assert.Equal("203.0.113.7,2001:db8::/32,10.0.0.0/8", IpBinding.Serialize(rules));
        Assert.Equal(rules, IpBinding.Deserialize(IpBinding.Serialize(rules)));
        Assert.Empty(IpBinding.Deserialize(string.Empty));
    }

    [Fact]
    public void Build_With20Entries_IsAcceptedAnd21AreRefused()
    {
        var entries = Enumerable.Range(0, 21).Select(i => $"2001:db8::{i + 1:x}").ToArray();

        Assert.Equal(20, IpBinding.Build(entries[..20]).Count);
        Refusal.Expect(KeyAdminError.TooManyIpAddresses, () => IpBinding.Build(entries));
    }
}
