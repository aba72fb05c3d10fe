namespace KeyAdmin.Core.Rotation;

/// <summary>
/// Thrown by a rotation's test to say why the successor did not pass (it wrote an error, returned something other
/// than true, or ran out of time); the rotation is undone and the message becomes the reason. Never holds a secret.
/// </summary>
public sealed class RotationTestFailure : Exception
{
    public RotationTestFailure(string reason)
        : base(reason)
    {
    }
}
