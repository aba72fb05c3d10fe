using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace KeyAdmin.ExampleService;

/// <summary>
/// The example exchange's state, per account: fixed balances, the orders placed and the withdrawals asked for,
/// in memory. Answers in the shapes of KuCoin's endpoints; a request it cannot take names the parameter.
/// </summary>
internal sealed class Exchange
{
    private static readonly (string Currency, string Balance)[] Balances = { ("BTC", "1.5"), ("ETH", "20"), ("USDT", "25000") };
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Order>> orders = new(StringComparer.Ordinal);

    public Exchange(TimeProvider clock) => this.clock = clock;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>GET /api/v1/accounts: one entry per currency and account type (main, trade).</summary>
    public object[] Accounts(string account, string? currency, string? type) => Balances
        .SelectMany(b => new[] { "main", "trade" }.Select(t => (b.Currency, b.Balance, Type: t)))
        .Where(a => (currency is null || a.Currency == currency) && (type is null || a.Type == type))
        .Select(a => (object)new
        {
            id = Id(account + "/" + a.Currency + "/" + a.Type),
            currency = a.Currency,
            type = a.Type,
            balance = a.Balance,
            available = a.Balance,
            holds = "0",
        })
        .ToArray();

    /// <summary>GET /api/v1/orders: the account's orders, newest first, in KuCoin's page envelope.</summary>
    public object Orders(string account, string? status, string? symbol, string? side)
    {
        var items = orders.GetValueOrDefault(account)?.Reverse()
            .Where(o => (status is null || (status == "active") == o.IsActive) && (symbol is null || o.Symbol == symbol) && (side is null || o.Side == side))
            .Select(o => o.ToKuCoin())
            .ToArray() ?? Array.Empty<object>();
        return new { currentPage = 1, pageSize = 50, totalNum = items.Length, totalPage = 1, items };
    }

    /// <summary>POST /api/v1/orders: a limit order rests (active); a market order is done at once.</summary>
    public (object? Data, string? Problem) PlaceOrder(string account, JsonElement body)
    {
        var symbol = Text(body, "symbol");
        var side = Text(body, "side");
        var type = Text(body, "type") ?? "limit";
        if (!Market.IsSymbol(symbol))
        {
            return (null, "symbol: not a symbol of this exchange (BTC-USDT, ETH-USDT).");
        }

        if (side is not ("buy" or "sell"))
        {
            return (null, "side: must be buy or sell.");
        }

        if (type is not ("limit" or "market"))
        {
            return (null, "type: must be limit or market.");
        }

        var size = Amount(body, "size");
        var price = Amount(body, "price");
        if (type == "limit" && (size is null || price is null))
        {
            return (null, "a limit order needs a positive price and size.");
        }

        if (type == "market" && size is null && Amount(body, "funds") is null)
        {
            return (null, "a market order needs a positive size or funds.");
        }

        var order = new Order(Id(null), Text(body, "clientOid") ?? Guid.NewGuid().ToString("N"), symbol!, type, side, price, size, type == "limit", Now);
        orders.GetOrAdd(account, _ => new ConcurrentQueue<Order>()).Enqueue(order);
        return (new { orderId = order.Id }, null);
    }

    /// <summary>POST /api/v1/withdrawals (address) and /api/v3/withdrawals (toAddress).</summary>
    public (object? Data, string? Problem) Withdraw(string account, JsonElement body, string addressField)
    {
        if (!Market.IsCurrency(Text(body, "currency")))
        {
            return (null, "currency: not a currency of this exchange (BTC, ETH, USDT).");
        }

        if (string.IsNullOrWhiteSpace(Text(body, addressField)))
        {
            return (null, $"{addressField}: the address to withdraw to is missing.");
        }

        return Amount(body, "amount") is null
            ? (null, "amount: must be a positive number.")
            : (new { withdrawalId = Id(null) }, null);
    }

    private static string? Text(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A positive decimal sent as a JSON string ("0.01", as most clients do) or number.</summary>
    private static decimal? Amount(JsonElement body, string name)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out var value))
        {
            return null;
        }

        var parsed = 0m;
        var ok = value.ValueKind == JsonValueKind.Number
            ? value.TryGetDecimal(out parsed)
            : value.ValueKind == JsonValueKind.String && decimal.TryParse(value.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out parsed);
        return ok && parsed > 0 ? parsed : null;
    }

    /// <summary>A 24-hex-digit id as KuCoin's: derived from <paramref name="seed"/>, or random.</summary>
    private static string Id(string? seed) => Convert.ToHexStringLower(seed is null
        ? RandomNumberGenerator.GetBytes(12)
        : SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed))[..12]);

    private sealed record Order(string Id, string ClientOid, string Symbol, string Type, string Side, decimal? Price, decimal? Size, bool IsActive, DateTimeOffset CreatedAt)
    {
        public object ToKuCoin() => new
        {
            id = Id,
            clientOid = ClientOid,
            symbol = Symbol,
            opType = "DEAL",
            type = Type,
            side = Side,
            price = (Price ?? 0).ToString(CultureInfo.InvariantCulture),
            size = (Size ?? 0).ToString(CultureInfo.InvariantCulture),
            funds = "0",
            dealFunds = "0",
            dealSize = IsActive ? "0" : (Size ?? 0).ToString(CultureInfo.InvariantCulture),
            fee = "0",
            feeCurrency = "USDT",
            stp = string.Empty,
            stop = string.Empty,
            stopTriggered = false,
            stopPrice = "0",
            timeInForce = "GTC",
            postOnly = false,
            hidden = false,
            iceberg = false,
            visibleSize = "0",
            cancelAfter = 0,
            channel = "API",
            isActive = IsActive,
            cancelExist = false,
            createdAt = CreatedAt.ToUnixTimeMilliseconds(),
            tradeType = "TRADE",
        };
    }
}
