namespace KeyAdmin.Core.Storage;

/// <summary>The last accepted use of a key: when and from which address.</summary>
public sealed record KeyUsage(string KeyId, DateTimeOffset At, string Address);

/// <summary>How many requests for a key were refused for one reason, and when the last was.</summary>
public sealed record RefusalCount(string KeyId, string Reason, long Count, DateTimeOffset LastAt);
