using System.Text.Json;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Http;

namespace KeyAdmin.AspNetCore;

/// <summary>
/// KuCoin's response envelope: <c>{"code":"200000","data":…}</c> on success and <c>{"code":"4000xx","msg":"…"}</c>
/// on a refusal. KuCoin's client libraries reject an HTTP 200 without "code", so a KuCoin-compatible service
/// answers every endpoint this way.
/// </summary>
public static class KuCoinResponses
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>HTTP 200 with <c>{"code":"200000","data":…}</c>.</summary>
    public static IResult Success(object? data) => Results.Json(new { code = KuCoinCodes.Success, data }, Json);

    /// <summary>An error with KuCoin's code, for example 400100 (parameter error) with HTTP 400.</summary>
    public static IResult Error(int status, string code, string message) => Results.Json(new { code, msg = message }, Json, statusCode: status);

    internal static Task WriteErrorAsync(HttpResponse response, int status, string code, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        return response.WriteAsync(JsonSerializer.Serialize(new { code, msg = message }, Json));
    }
}
