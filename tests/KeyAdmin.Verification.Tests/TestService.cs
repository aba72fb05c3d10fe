using KeyAdmin.AspNetCore;
using KeyAdmin.Core.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KeyAdmin.Verification.Tests;

/// <summary>The throw-away ASP.NET Core services the handler's tests run: on a free loopback port, and stopped again.</summary>
public static class TestService
{
    /// <summary>A builder with KeyAdmin as the default scheme over <paramref name="verifier"/>, on a free loopback port, without logging.</summary>
    public static WebApplicationBuilder KeyAdminBuilder(RequestVerifier verifier)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(KeyAdminAuthenticationDefaults.AuthenticationScheme).AddKeyAdmin(o => o.Verifier = verifier);
        return builder;
    }

    /// <summary>Stops the service, then disposes the verifier, the client and the fixture under it.</summary>
    public static async Task StopAsync(WebApplication? app, RequestVerifier? verifier, HttpClient client, IDisposable fixture)
    {
        await StopAsync(app);
        verifier?.Dispose();
        client.Dispose();
        fixture.Dispose();
    }

    /// <summary>Stops and disposes the service, if it was started.</summary>
    public static async Task StopAsync(WebApplication? app)
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
