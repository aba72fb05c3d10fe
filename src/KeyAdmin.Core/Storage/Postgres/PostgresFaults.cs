using KeyAdmin.Core.Errors;
using Npgsql;

namespace KeyAdmin.Core.Storage.Postgres;

/// <summary>
/// What a PostgreSQL failure means for KeyAdmin: whether a transaction that has not been committed may simply be
/// run again, and the KeyAdmin error a user sees otherwise. Messages name the store by its location (never the
/// connection string, which may hold a password).
/// </summary>
internal static class PostgresFaults
{
    /// <summary>
    /// True when the transaction was certainly rolled back by something that a second run does not meet again:
    /// a serialisation failure, a deadlock, or the connection lost (the server rolls back a transaction whose
    /// session ends). Only valid before the commit was sent.
    /// </summary>
    public static bool IsRetryable(Exception e) => e switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        // A command timeout is left out: running it again would only multiply the wait.
        NpgsqlException { InnerException: TimeoutException } => false,
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException,
        _ => false,
    };

    public static KeyAdminException Translate(Exception e, string location) => e switch
    {
        KeyAdminException known => known,
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } p => Unavailable(location, "stayed locked by another writer: " + p.MessageText, e),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } p => Unavailable(location, "does not exist on the server: " + p.MessageText, e),
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p =>
            Unavailable(location, "refused the credentials of the connection string: " + p.MessageText, e),
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } p => Unavailable(location, "denies the role a privilege KeyAdmin needs: " + p.MessageText, e),
        PostgresException p => Unavailable(location, $"failed ({p.SqlState}): {p.MessageText}", e),
        NpgsqlException n => Unavailable(location, "cannot be reached: " + Describe(n), e),
        TimeoutException => Unavailable(location, "did not answer in time.", e),
        _ => Unavailable(location, "failed: " + e.Message, e),
    };

    /// <summary>The commit was sent and the connection was lost before its answer: the change may or may not be made.</summary>
    public static KeyAdminException OutcomeUnknown(Exception e, string location) => new(
        KeyAdminError.StoreUnavailable,
        $"The connection to the store '{location}' was lost while a change was being committed, so whether it was made is unknown; " +
        "look with Get-ApiKey or Get-ApiKeyAuditLog before trying again.",
        location,
        e);

    private static KeyAdminException Unavailable(string location, string what, Exception e) =>
        new(KeyAdminError.StoreUnavailable, $"The store '{location}' {what}", location, e);

    /// <summary>Npgsql's own message with the innermost cause (a refused connection, a timeout), which name no secret.</summary>
    private static string Describe(NpgsqlException e)
    {
        var inner = e.InnerException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner is null || inner.Message == e.Message ? e.Message : $"{e.Message} ({inner.Message})";
    }
}
