namespace KeyAdmin.Core.Audit;

/// <summary>Who performs operations: recorded as CreatedBy and in every audit record.</summary>
public sealed record Actor(string User, string Host)
{
    public static Actor Current() => new(Environment.UserName, Environment.MachineName);

    public override string ToString() => $"{User}@{Host}";
}
