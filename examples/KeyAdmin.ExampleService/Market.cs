namespace KeyAdmin.ExampleService;

/// <summary>
/// The public market data of the example exchange, in the shapes of KuCoin's GET /api/v2/symbols and
/// GET /api/v3/currencies: enough for a client library to load its markets.
/// </summary>
internal static class Market
{
    public static readonly object[] Symbols =
    {
        Symbol("BTC-USDT", "BTC", "USDT", baseMin: "0.00001", baseIncrement: "0.00000001", priceIncrement: "0.1"),
        Symbol("ETH-USDT", "ETH", "USDT", baseMin: "0.0001", baseIncrement: "0.0000001", priceIncrement: "0.01"),
    };

    public static readonly object[] Currencies =
    {
        Currency("BTC", "Bitcoin", precision: 8, chain: "btc", withdrawalMinSize: "0.0008", withdrawalMinFee: "0.0005"),
        Currency("ETH", "Ethereum", precision: 8, chain: "eth", withdrawalMinSize: "0.01", withdrawalMinFee: "0.002"),
        Currency("USDT", "Tether", precision: 8, chain: "trx", withdrawalMinSize: "10", withdrawalMinFee: "1"),
    };

    public static bool IsSymbol(string? symbol) => symbol is "BTC-USDT" or "ETH-USDT";

    public static bool IsCurrency(string? currency) => currency is "BTC" or "ETH" or "USDT";

    private static object Symbol(string symbol, string baseCurrency, string quoteCurrency, string baseMin, string baseIncrement, string priceIncrement) => new
    {
        symbol,
        name = symbol,
        baseCurrency,
        quoteCurrency,
        feeCurrency = quoteCurrency,
        market = "USDS",
        baseMinSize = baseMin,
        quoteMinSize = "0.1",
        baseMaxSize = "10000000000",
        quoteMaxSize = "99999999",
        baseIncrement,
        quoteIncrement = "0.000001",
        priceIncrement,
        priceLimitRate = "0.1",
        minFunds = "0.1",
        isMarginEnabled = false,
        enableTrading = true,
        feeCategory = 1,
        makerFeeCoefficient = "1.00",
        takerFeeCoefficient = "1.00",
        st = false,
    };

    private static object Currency(string currency, string fullName, int precision, string chain, string withdrawalMinSize, string withdrawalMinFee) => new
    {
        currency,
        name = currency,
        fullName,
        precision,
        confirms = (int?)null,
        contractAddress = (string?)null,
        isMarginEnabled = false,
        isDebitEnabled = false,
        chains = new[]
        {
            new
            {
                chainName = chain.ToUpperInvariant(),
                withdrawalMinSize,
                depositMinSize = withdrawalMinSize,
                withdrawFeeRate = "0",
                withdrawalMinFee,
                isWithdrawEnabled = true,
                isDepositEnabled = true,
                confirms = 6,
                preConfirms = 2,
                contractAddress = string.Empty,
                withdrawPrecision = precision,
                maxWithdraw = (string?)null,
                maxDeposit = (string?)null,
                needTag = false,
                chainId = chain,
            },
        },
    };
}
