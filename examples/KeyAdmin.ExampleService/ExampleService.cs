using System.Net;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Verification;

namespace KeyAdmin.ExampleService;

/// <summary>
/// The service: three endpoints that need Read, Trade and Withdraw. A filter verifies every request with the
/// KeyAdmin verifier before the endpoint runs and answers 401/403 with the refusal reason otherwise.
/// </summary>
public static class ExampleService
{
    public static WebApplication Build(RequestVerifier verifier, string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(verifier);
        var app = builder.Build();

        app.MapGet("/api/v1/accounts", (HttpContext context) => Results.Json(new { account = Caller(context), balance = "1000.00" }))
            .AddEndpointFilter(Verify(ApiKeyPermission.Read));
        app.MapPost("/api/v1/orders", (HttpContext context) => Results.Json(new { order = Guid.NewGuid(), account = Caller(context) }))
            .AddEndpointFilter(Verify(ApiKeyPermission.Trade));
        app.MapPost("/api/v1/withdrawals", (HttpContext context) => Results.Json(new { withdrawal = Guid.NewGuid(), account = Caller(context) }))
            .AddEndpointFilter(Verify(ApiKeyPermission.Withdraw));
        return app;
    }

    private static string? Caller(HttpContext context) => context.Items["KeyAdmin.Account"] as string;

    private static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Verify(ApiKeyPermission permission) =>
        async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var result = http.RequestServices.GetRequiredService<RequestVerifier>().Verify(new SignedRequest
            {
                KeyId = http.Request.Headers[RequestSigner.KeyHeader],
                Timestamp = http.Request.Headers[RequestSigner.TimestampHeader],
                Signature = http.Request.Headers[RequestSigner.SignatureHeader],
                Method = http.Request.Method,
                PathAndQuery = http.Request.Path.Value + http.Request.QueryString.Value,
                Body = body.ToArray(),
                CallerAddress = http.Connection.RemoteIpAddress ?? IPAddress.None,
                RequiredPermission = permission,
                TwoFactorCode = http.Request.Headers["KA-2FA-CODE"],
            });

            if (!result.Accepted)
            {
                var status = result.Reason is VerificationReason.AddressNotAllowed or VerificationReason.PermissionMissing
                    ? StatusCodes.Status403Forbidden
                    : StatusCodes.Status401Unauthorized;
                return Results.Json(new { reason = result.Reason.ToString(), message = result.Message }, statusCode: status);
            }

            http.Items["KeyAdmin.Account"] = result.Account;
            return await next(invocation);
        };
}
